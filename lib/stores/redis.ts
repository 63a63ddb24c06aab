import { createHash } from 'node:crypto';
import type { DurableStore, StoredCallback } from '../store.js';

/**
 * The part of an ioredis client (`new Redis()`, or a `Cluster` with a hash-tagged `prefix`) that the store uses.
 * Only its shape matters: this module never imports ioredis.
 */
export interface IoRedisLike {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  /** ioredis's connection state; `'ready'` when commands go straight to the server. */
  readonly status?: string;
}

/** The part of a node-redis v4+ client (`createClient()`, already `connect()`ed) that the store uses. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
  /** True while the socket is connected and the handshake is done. */
  readonly isReady?: boolean;
}

/** Either client; the store tells them apart by their methods (`call` is ioredis, `sendCommand(args[])` node-redis). */
export type RedisClientLike = IoRedisLike | NodeRedisLike;

export interface RedisStoreOptions {
  /**
   * Your own connected client, ioredis or node-redis. The store never opens, closes or reconfigures it. Give it an
   * `error` listener: node-redis throws an unhandled `error` event when the server goes away.
   */
  client: RedisClientLike;
  /**
   * Put before every key the store writes (`<prefix>claim:<key>`, `<prefix>records`, `<prefix>leases`), so several
   * apps can share one Redis. On Redis Cluster, use a hash tag (`'{suno}:'`) so the store's keys share one slot.
   * @default 'suno-callbacks:'
   */
  prefix?: string;
}

/** A store on Redis whose durable part, `claimAndSave` included, can be checked and used directly. */
export type RedisStore = DurableStore & Required<Pick<DurableStore, 'claimAndSave'>>;

// Scripts read the server's clock, so instances whose clocks disagree still agree on when a lease runs out. The
// replicate_commands() call lets Redis 3.2 to 4 accept writes after TIME; later versions always replicate effects.
const CLOCK = `
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

// Lua turns numbers into strings with 14 significant digits; '%.0f' keeps a millisecond deadline exact.
const WRITE_RECORD = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], string.format('%.0f', now + tonumber(ARGV[3])), ARGV[1])
return 1`;

const SAVE = `${CLOCK}${WRITE_RECORD}`;

// The claim and the save in one script: one round trip before the sender's 200, and nothing is written for a
// caller that was not first. CLOCK stays first: replicate_commands() must run before any write.
const CLAIM_AND_SAVE = `${CLOCK}
if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[4]) then return 0 end${WRITE_RECORD}`;

const FINISH = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

const RELEASE = `
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1`;

// Taking and renewing in one script is what hands each record to one instance only.
const RECLAIM = `${CLOCK}
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', string.format('%.0f', now), 'LIMIT', 0, tonumber(ARGV[2]))
local deadline = string.format('%.0f', now + tonumber(ARGV[1]))
local taken = {}
for _, key in ipairs(due) do
  local record = redis.call('HGET', KEYS[1], key)
  if record then
    redis.call('ZADD', KEYS[2], deadline, key)
    taken[#taken + 1] = key
    taken[#taken + 1] = record
  else
    redis.call('ZREM', KEYS[2], key)
  end
end
return taken`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const SCRIPTS = {
  save: script(SAVE),
  claimAndSave: script(CLAIM_AND_SAVE),
 
  finish: script(FINISH),
  release: script(RELEASE),
  reclaim: script(RECLAIM),
};

type Send = (args: string[]) => Promise<unknown>;

/** ioredis states that mean the connection was lost or closed, as opposed to not opened yet. */
const DOWN = new Set(['reconnecting', 'end', 'close']);

/**
 * While the client is reconnecting, both clients queue commands and run them once the server is back, long after
 * the request that sent them was answered 503: a claim applied that late would turn the sender's retry into a
 * "duplicate". Failing at once instead keeps the outage visible and nothing queued. Before the first connection
 * (`lazyConnect`, a slow start) commands may still wait; the middleware's `storeTimeoutMs` bounds them. (A command
 * already sent when the connection drops may still be resent by ioredis later; the middleware undoes a claim or
 * save that lands after it gave up on it.)
 */
function sender(client: RedisClientLike): Send {
  if (typeof client !== 'object' || client === null) {
    throw new TypeError(`\`client\` must be your ioredis or node-redis client; received ${client === null ? 'null' : typeof client}.`);
  }
  if (typeof (client as Partial<IoRedisLike>).call === 'function') {
    const io = client as IoRedisLike;
    let connected = false;
    return (args) => {
      const status = io.status;
      if (status === 'ready') connected = true;
      else if (status !== undefined && (connected || DOWN.has(status))) {
        return Promise.reject(new Error(`the Redis client is not connected (status "${status}")`));
      }
      const [command, ...rest] = args as [string, ...string[]];
      return io.call(command, ...rest);
    };
  }
  if (typeof (client as Partial<NodeRedisLike>).sendCommand === 'function') {
    const node = client as NodeRedisLike;
    let connected = false;
    return (args) => {
      if (node.isReady === true) connected = true;
      else if (node.isReady === false && connected) {
        return Promise.reject(new Error('the Redis client is not connected (reconnecting)'));
      }
      return node.sendCommand(args);
    };
  }
  throw new TypeError(
    '`client` must be an ioredis client (with `call()`) or a node-redis v4+ client (with `sendCommand()`); ' +
      'received an object with neither.',
  );
}

function positiveMs(value: number): string {
  return String(Math.max(1, Math.ceil(value)));
}

/**
 * A store on Redis, shared by every instance of your app: the claim is one `SET NX PX` command, and the durable part
 * (a hash of records and a sorted set of lease deadlines, changed only by Lua scripts) makes it crash-safe. An
 * accepted callback is claimed and saved by one script, so the sender's 200 waits for one round trip. Works with
 * your own ioredis or node-redis client; the store never closes it.
 *
 * @example
 * import { Redis } from 'ioredis';
 * import { redisStore } from 'suno-callbacks/redis';
 *
 * const suno = sunoCallbacks({ secret, store: redisStore({ client: new Redis(process.env.REDIS_URL) }) });
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('redisStore() takes an options object: redisStore({ client }).');
  }
  const send = sender(options.client);
  const prefix = options.prefix ?? 'suno-callbacks:';
  if (typeof prefix !== 'string') throw new TypeError(`\`prefix\` must be a string; received ${typeof prefix}.`);
  const records = `${prefix}records`;
  const leases = `${prefix}leases`;
  const claimKey = (key: string): string => `${prefix}claim:${key}`;

  async function run(which: Script, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await send(['EVALSHA', which.sha, ...tail]);
    } catch (error) {
      // The script cache is empty after a restart or a failover; EVAL sends the source and caches it again.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return send(['EVAL', which.source, ...tail]);
    }
  }

  return {
    async init() {
      for (const { source } of Object.values(SCRIPTS)) await send(['SCRIPT', 'LOAD', source]);
    },
    async claim(key, ttlMs) {
      const reply = await send(['SET', claimKey(key), '1', 'NX', 'PX', positiveMs(ttlMs)]);
      return reply === 'OK';
    },
    async release(key) {
      await run(SCRIPTS.release, [claimKey(key), records, leases], [key]);
    },
    async save(key, record, leaseMs) {
      await run(SCRIPTS.save, [records, leases], [key, record, String(Math.max(0, Math.ceil(leaseMs)))]);
    },
    async claimAndSave(key, ttlMs, record, leaseMs) {
      const reply = await run(
        SCRIPTS.claimAndSave,
        [records, leases, claimKey(key)],
        [key, record, String(Math.max(0, Math.ceil(leaseMs))), positiveMs(ttlMs)],
      );
      return reply === 1;
    },
    async finish(key) {
      await run(SCRIPTS.finish, [records, leases], [key]);
    },
    async reclaim(leaseMs, limit) {
      const reply = await run(SCRIPTS.reclaim, [records, leases], [positiveMs(leaseMs), String(Math.max(1, Math.floor(limit)))]);
      if (!Array.isArray(reply)) throw new Error(`unexpected reply to the reclaim script: ${typeof reply}`);
      const taken: StoredCallback[] = [];
      for (let index = 0; index + 1 < reply.length; index += 2) {
        taken.push({ key: String(reply[index]), record: String(reply[index + 1]) });
      }
      return taken;
    },
    close() {
      // The client is the caller's: it may serve the rest of the app, so it stays open.
    },
  };
}
