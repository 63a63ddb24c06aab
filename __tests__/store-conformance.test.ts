/**
 * Every store passes the one conformance suite that users run on theirs: the memory store, the Redis store with
 * each client, the PostgreSQL store and the hand-written store of examples/custom-store.ts. The last block checks
 * the suite itself: each broken store below must fail the case that targets its bug.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { mapStore } from '../examples/custom-store.js';
import type { DedupeStore, StoredCallback } from '../lib/store.js';
import { durableMapStore } from './helpers/durable-map-store.js';
import { memoryStore } from '../lib/stores/memory.js';
import { postgresStore } from '../lib/stores/postgres.js';
import { redisStore } from '../lib/stores/redis.js';
import { storeCases, testStore } from '../lib/testing/store-suite.js';
import { available, needs, REDIS_URL, testPool, uniqueName } from './helpers/services.js';

testStore('memoryStore()', () => memoryStore());
testStore('mapStore() from examples/custom-store.ts', () => mapStore());

const describeRedis = await needs('redis');
const runPrefix = `${uniqueName('suno-conformance')}:`;
const ioredis = (await available('redis')) ? new Redis(REDIS_URL) : undefined;
const nodeRedis = (await available('redis')) ? await createClient({ url: REDIS_URL }).connect() : undefined;
nodeRedis?.on('error', () => undefined);

// Each case gets its own prefix: a durable store's reclaim() hands out any record under it.
testStore('redisStore() with ioredis', () => redisStore({ client: ioredis as Redis, prefix: `${runPrefix}${uniqueName('io')}:` }), {
  durable: true,
  harness: { describe: describeRedis, it },
});
testStore(
  'redisStore() with node-redis',
  () => redisStore({ client: nodeRedis as NonNullable<typeof nodeRedis>, prefix: `${runPrefix}${uniqueName('node')}:` }),
  { durable: true, harness: { describe: describeRedis, it } },
);

const describePostgres = await needs('postgres');
const pool = (await available('postgres')) ? testPool(20) : undefined;
const tables: string[] = [];
testStore(
  'postgresStore()',
  () => {
    const table = uniqueName('suno_suite');
    tables.push(table);
    return postgresStore({ pool: pool as NonNullable<typeof pool>, table });
  },
  { durable: true, harness: { describe: describePostgres, it } },
);

afterAll(async () => {
  if (ioredis !== undefined) {
    const keys = await ioredis.keys(`${runPrefix}*`);
    if (keys.length > 0) await ioredis.del(...keys);
    await ioredis.quit();
  }
  await nodeRedis?.quit();
  if (pool !== undefined) {
    for (const table of tables) await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  }
});

testStore('an in-memory durable store (the base of the broken stores below)', durableMapStore);

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const broken: Array<{ bug: string; fails: string; make: () => DedupeStore }> = [
  {
    bug: 'a claim that reads, waits, then writes (not atomic)',
    fails: '100 concurrent claim(key) calls give exactly one winner',
    make: () => {
      const base = durableMapStore();
      const held = new Set<string>();
      return {
        ...base,
        async claim(key) {
          const taken = held.has(key);
          await tick();
          held.add(key);
          return !taken;
        },
      };
    },
  },
  {
    bug: 'keys that never expire',
    fails: 'claim(key) returns true again once the key has expired',
    make: () => ({ ...durableMapStore(), claim: ((held) => (key: string) => !held.has(key) && Boolean(held.add(key)))(new Set<string>()) }),
  },
  {
    bug: 'a release that forgets nothing',
    fails: 'release(key) frees the key',
    make: () => ({ ...durableMapStore(), release: () => undefined }),
  },
  {
    bug: 'keys cut to 255 characters',
    fails: 'claim(key) works with long (1000 characters) and unicode keys',
    make: () => {
      const base = durableMapStore();
      return { ...base, claim: (key, ttl) => base.claim(key.slice(0, 255), ttl), release: (key) => base.release(key.slice(0, 255)) };
    },
  },
  {
    bug: 'a reclaim that ignores the lease',
    fails: 'reclaim() hands back a saved, unfinished record only after its lease has run out',
    make: () => {
      const base = durableMapStore();
      return { ...base, save: (key, record) => base.save(key, record, 0) };
    },
  },
  {
    bug: 'a reclaim that does not renew the lease',
    fails: 'reclaim() renews the lease: a second reclaim() right after returns nothing',
    make: () => {
      const base = durableMapStore();
      return { ...base, reclaim: (_leaseMs, limit) => base.reclaim(0, limit) };
    },
  },
  {
    bug: 'a finish that keeps the record',
    fails: 'finish(key) removes the record from reclaim() and keeps the key held',
    make: () => ({ ...durableMapStore(), finish: () => undefined }),
  },
  {
    bug: 'a reclaim that reads, waits, then renews (not atomic)',
    fails: '20 concurrent reclaim() calls hand each record to exactly one caller',
    make: () => {
      const base = durableMapStore();
      return {
        ...base,
        async reclaim(leaseMs, limit) {
          // Peek at what is due without renewing, yield, then renew: two callers see the same records.
          const due = base.reclaim(0, limit) as StoredCallback[];
          await tick();
          for (const { key, record } of due) base.save(key, record, leaseMs);
          return due;
        },
      };
    },
  },
  {
    bug: 'a claimAndSave that saves even when the claim fails',
    fails: 'claimAndSave(key) returns false while the key is held and saves nothing',
    make: () => {
      const base = durableMapStore();
      return {
        ...base,
        claimAndSave(key, ttlMs, record, leaseMs) {
          const first = base.claim(key, ttlMs) as boolean;
          base.save(key, record, leaseMs);
          return first;
        },
      };
    },
  },
  {
    bug: 'a claimAndSave that reads, waits, then writes (not atomic)',
    fails: '100 concurrent claimAndSave(key) calls give exactly one winner and one record',
    make: () => {
      const base = durableMapStore();
      const held = new Set<string>();
      return {
        ...base,
        async claimAndSave(key, _ttlMs, record, leaseMs) {
          const taken = held.has(key);
          await tick();
          held.add(key);
          if (!taken) base.save(key, record, leaseMs);
          return !taken;
        },
      };
    },
  },
  {
    bug: 'a claimAndSave that keeps its claims apart from claim()',
    fails: '50 concurrent claim(key) and 50 claimAndSave(key) calls on one key give exactly one winner',
    make: () => {
      const base = durableMapStore();
      const apart = durableMapStore();
      return {
        ...base,
        claimAndSave(key, ttlMs, record, leaseMs) {
          if (!(apart.claim(key, ttlMs) as boolean)) return false;
          base.save(key, record, leaseMs);
          return true;
        },
      };
    },
  },
];

describe('the conformance suite', () => {
  it('names its cases in API notation, each once', () => {
    const names = storeCases.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^(\d+ concurrent )?[a-z][A-Za-z]*\(|^keys are independent$/);
  });

  it.each(broken.map((entry) => [entry.bug, entry] as const))('catches %s', async (_bug, entry) => {
    const target = storeCases.find((item) => item.name === entry.fails);
    expect(target).toBeDefined();
    await expect(target?.run(entry.make())).rejects.toThrow();
    // The same case passes on the correct store, so the failure above is the bug's doing.
    await expect(target?.run(durableMapStore())).resolves.toBeUndefined();
  });

  it('refuses to run outside a test runner without a harness', () => {
    const globals = globalThis as { describe?: unknown };
    const saved = globals.describe;
    globals.describe = undefined;
    try {
      expect(() => testStore('nowhere', () => memoryStore())).toThrow(/describe.*harness/s);
    } finally {
      globals.describe = saved;
    }
  });
});
