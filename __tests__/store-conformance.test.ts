/**
 * Every store passes the one conformance suite that users run on theirs: the memory store, the Redis store with
 * each client, the PostgreSQL store and the hand-written store of examples/custom-store.ts. The last block checks
 * the suite itself: each broken store below must fail the case that targets its bug.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { mapStore } from '../examples/custom-store.js';
import type { DedupeStore, SignedClaimStore } from '../lib/store.js';
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

testStore('redisStore() with ioredis', () => redisStore({ client: ioredis as Redis, prefix: `${runPrefix}${uniqueName('io')}:` }), {
  claimSigned: true,
  harness: { describe: describeRedis, it },
});
testStore(
  'redisStore() with node-redis',
  () => redisStore({ client: nodeRedis as NonNullable<typeof nodeRedis>, prefix: `${runPrefix}${uniqueName('node')}:` }),
  { claimSigned: true, harness: { describe: describeRedis, it } },
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
  { claimSigned: true, harness: { describe: describePostgres, it } },
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

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const base = (): SignedClaimStore => memoryStore();

const broken: Array<{ bug: string; fails: string; make: () => DedupeStore }> = [
  {
    bug: 'a claim that reads, waits, then writes (not atomic)',
    fails: '100 concurrent claim(key) calls give exactly one winner',
    make: () => {
      const held = new Set<string>();
      return {
        ...base(),
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
    make: () => ({ ...base(), claim: ((held) => (key: string) => !held.has(key) && Boolean(held.add(key)))(new Set<string>()) }),
  },
  {
    bug: 'a release that forgets nothing',
    fails: 'release(key) frees the key',
    make: () => ({ ...base(), release: () => undefined }),
  },
  {
    bug: 'keys cut to 255 characters',
    fails: 'claim(key) works with long (1000 characters) and unicode keys',
    make: () => {
      const store = base();
      return { ...store, claim: (key, ttl) => store.claim(key.slice(0, 255), ttl), release: (key) => store.release(key.slice(0, 255)) };
    },
  },
  {
    bug: 'a claimSigned that never checks the binding',
    fails: 'claimSigned() with another binding for a used signature is replayed and claims nothing',
    make: () => {
      const store = base();
      return { ...store, claimSigned: async (key: string, ttlMs: number) => ((await store.claim(key, ttlMs)) ? 'claimed' : 'duplicate') };
    },
  },
  {
    bug: 'a claimSigned that claims the key of a replayed use',
    fails: 'claimSigned() with another binding for a used signature is replayed and claims nothing',
    make: () => {
      const store = base();
      return {
        ...store,
        claimSigned: async (key: string, ttlMs: number, use: Parameters<SignedClaimStore['claimSigned']>[2]) => {
          const outcome = await store.claimSigned(key, ttlMs, use);
          if (outcome === 'replayed') await store.claim(key, ttlMs);
          return outcome;
        },
      };
    },
  },
  {
    bug: 'a claimSigned that reads the binding, waits, then binds (not atomic)',
    fails: '50 concurrent claimSigned() calls, one signature, 50 bindings: one claims, 49 are replayed',
    make: () => {
      const store = base();
      const bound = new Map<string, string>();
      return {
        ...store,
        claimSigned: async (key: string, ttlMs: number, use: Parameters<SignedClaimStore['claimSigned']>[2]) => {
          const existing = bound.get(use.id);
          await tick();
          if (existing !== undefined && existing !== use.binding) return 'replayed';
          bound.set(use.id, use.binding);
          return (await store.claim(key, ttlMs)) ? 'claimed' : 'duplicate';
        },
      };
    },
  },
  {
    bug: 'a claimSigned whose bindings never expire',
    fails: 'claimSigned() forgets a binding once its ttl has run out',
    make: () => {
      const store = base();
      return {
        ...store,
        claimSigned: (key: string, ttlMs: number, use: Parameters<SignedClaimStore['claimSigned']>[2]) =>
          store.claimSigned(key, ttlMs, { ...use, ttlMs: 3_600_000 }),
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
    await expect(target?.run(base())).resolves.toBeUndefined();
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
