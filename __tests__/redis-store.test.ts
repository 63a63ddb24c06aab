/**
 * What the conformance suite cannot see about the Redis store: how it takes a client, the keys it writes, that
 * ioredis and node-redis instances interoperate on one prefix, and that it fails fast instead of queueing while the
 * client is disconnected.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { redisStore, type RedisClientLike } from '../lib/stores/redis.js';
import { needs, REDIS_URL, uniqueName } from './helpers/services.js';
import { freePort } from './helpers/workers.js';

describe('redisStore() options', () => {
  it('refuses a client that is neither ioredis nor node-redis', () => {
    expect(() => redisStore({ client: {} as RedisClientLike })).toThrow(/`client` must be an ioredis client.*node-redis/);
    expect(() => redisStore(undefined as never)).toThrow(TypeError);
    expect(() => redisStore({ client: null as never })).toThrow(/`client` must be your ioredis or node-redis client; received null/);
  });

  it('refuses unknown options with a suggestion', () => {
    const client = { call: async () => 'OK' };
    expect(() => redisStore({ client, prefx: 'x' } as never)).toThrow(/Unknown option `prefx`.*Did you mean `prefix`/);
  });

  it('refuses a prefix that is not a string', () => {
    const client = { call: async () => 'OK' };
    expect(() => redisStore({ client, prefix: 42 as never })).toThrow(/`prefix` must be a string/);
  });

  it('sends commands through call() for an ioredis-like client and sendCommand() for a node-redis-like one', async () => {
    const io: unknown[][] = [];
    const node: unknown[][] = [];
    const call = async (...args: unknown[]): Promise<string> => {
      io.push(args);
      return 'OK';
    };
    const sendCommand = async (args: string[]): Promise<string> => {
      node.push(args);
      return 'OK';
    };
    expect(await redisStore({ client: { call } }).claim('k', 1500.2)).toBe(true);
    expect(await redisStore({ client: { sendCommand } }).claim('k', 1500.2)).toBe(true);
    // One command, with the ttl rounded up to whole milliseconds.
    expect(io).toEqual([['SET', 'suno-callbacks:claim:k', '1', 'NX', 'PX', '1501']]);
    expect(node).toEqual([['SET', 'suno-callbacks:claim:k', '1', 'NX', 'PX', '1501']]);
  });
});

const describeRedis = await needs('redis');

describeRedis('redisStore() on a real server', () => {
  const prefix = `${uniqueName('suno-redis')}:`;
  let io: Redis;
  let nodeClient: ReturnType<typeof createClient>;

  beforeAll(async () => {
    io = new Redis(REDIS_URL);
    nodeClient = createClient({ url: REDIS_URL });
    nodeClient.on('error', () => undefined);
    await nodeClient.connect();
  });

  afterAll(async () => {
    const keys = await io.keys(`${prefix}*`);
    if (keys.length > 0) await io.del(...keys);
    await io.quit();
    await nodeClient.quit();
  });

  it('claims with one key that expires by itself, under the prefix', async () => {
    const store = redisStore({ client: io, prefix });
    expect(await store.claim('cover:abc:final', 60_000)).toBe(true);
    const ttl = await io.pttl(`${prefix}claim:cover:abc:final`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('lets ioredis and node-redis instances share claims and signature bindings', async () => {
    const shared = `${prefix}shared:`;
    const a = redisStore({ client: io, prefix: shared });
    const b = redisStore({ client: nodeClient, prefix: shared });
    await Promise.all([a.init?.(), b.init?.()]);
    expect(await a.claim('k1', 60_000)).toBe(true);
    expect(await b.claim('k1', 60_000)).toBe(false);
    const use = { id: 'sig-1', binding: 'key+body', ttlMs: 60_000 };
    expect(await a.claimSigned('k2', 60_000, use)).toBe('claimed');
    expect(await b.claimSigned('k2', 60_000, use)).toBe('duplicate');
    expect(await b.claimSigned('k3', 60_000, { ...use, binding: 'forged' })).toBe('replayed');
    await b.release('k1');
    expect(await a.claim('k1', 60_000)).toBe(true);
  });

  it('binds a signature under the prefix, with its own expiry, in one script call', async () => {
    const sent: string[] = [];
    const spy = { call: (command: string, ...args: Array<string | number>) => (sent.push(command), io.call(command, ...args)) };
    const store = redisStore({ client: spy, prefix });
    await store.init?.();
    sent.length = 0;
    expect(await store.claimSigned('music:t:complete', 60_000, { id: 'abc', binding: 'b', ttlMs: 600_000 })).toBe('claimed');
    expect(sent).toEqual(['EVALSHA']);
    expect(await io.get(`${prefix}sig:abc`)).toBe('b');
    const ttl = await io.pttl(`${prefix}sig:abc`);
    expect(ttl).toBeGreaterThan(590_000);
  });

  it('keeps stores with different prefixes apart', async () => {
    const one = redisStore({ client: io, prefix: `${prefix}one:` });
    const two = redisStore({ client: io, prefix: `${prefix}two:` });
    expect(await one.claim('same', 60_000)).toBe(true);
    expect(await two.claim('same', 60_000)).toBe(true);
    const use = { id: 'same-sig', binding: 'one', ttlMs: 60_000 };
    expect(await one.claimSigned('x', 60_000, use)).toBe('claimed');
    expect(await two.claimSigned('y', 60_000, { ...use, binding: 'two' })).toBe('claimed');
  });

  it('leaves the client open on close()', async () => {
    const store = redisStore({ client: io, prefix });
    await store.close?.();
    expect(await io.ping()).toBe('PONG');
  });
});

describe('redisStore() while the client is disconnected', () => {
  it('fails at once with ioredis instead of queueing the claim', async () => {
    const port = await freePort();
    // disconnectTimeout: ioredis otherwise keeps a 2 s timer after disconnect(), holding jest open.
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 50, disconnectTimeout: 10 });
    client.on('error', () => undefined);
    try {
      await new Promise<void>((resolve) => client.once('reconnecting', () => resolve()));
      const store = redisStore({ client });
      await expect(store.claim('k', 1000)).rejects.toThrow(/not connected/);
    } finally {
      client.disconnect();
    }
  });

  it('fails at once with node-redis once a connection was lost', async () => {
    // The structural type is all the store sees: a client that was ready and is not any more.
    let ready = true;
    const sent: string[][] = [];
    const client = {
      get isReady() {
        return ready;
      },
      sendCommand: async (args: string[]) => {
        sent.push(args);
        return 'OK';
      },
    };
    const store = redisStore({ client });
    expect(await store.claim('k', 1000)).toBe(true);
    ready = false;
    await expect(store.claim('k2', 1000)).rejects.toThrow(/not connected/);
    expect(sent).toHaveLength(1);
  });
});
