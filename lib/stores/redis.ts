import { createHash } from 'node:crypto';
import { rejectUnknown } from '../option-checks.js';
import type { SignedClaimOutcome, SignedClaimStore } from '../store.js';

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
   * Put before every key the store writes (`<prefix>claim:<key>`, `<prefix>sig:<id>`), so several apps can share one
   * Redis. On Redis Cluster, use a hash tag (`'{suno}:'`) so a claim and its signature binding share one slot.
   * @default 'suno-callbacks:'
   */
  prefix?: string;
}

// The signature binding and the claim in one script: one round trip, and a forged use writes nothing.
const CLAIM_SIGNED = `
local bound = redis.call('GET', KEYS[2])
if bound and bound ~= ARGV[1] then return 'replayed' end
if not bound then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) end
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then return 'claimed' end
return 'duplicate'`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const SCRIPTS = { claimSigned: script(CLAIM_SIGNED) };

type Send = (args: string[]) => Promise<unknown>;

/** ioredis states that mean the connection was lost or closed, as opposed to not opened yet. */
const DOWN = new Set(['reconnecting', 'end', 'close']);

/**
 * While the client is reconnecting, both clients queue commands and run them once the server is back, long after
 * the request that sent them was answered 503: a claim applied that late would turn the sender's retry into a
 * "duplicate". Failing at once instead keeps the outage visible and nothing queued. Before the first connection
 * (`lazyConnect`, a slow start) commands may still wait; the middleware's `storeTimeoutMs` bounds them. (A command
 * already sent when the connection drops may still be resent by ioredis later; the middleware takes over a claim
 * that lands after it gave up on it, and processes the callback itself.)
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

const OPTION_NAMES = ['client', 'prefix'] as const satisfies ReadonlyArray<keyof RedisStoreOptions>;
const OUTCOMES = new Set<unknown>(['claimed', 'duplicate', 'replayed']);

/**
 * A store on Redis, shared by every instance of your app: a claim is one `SET NX PX` command, and a claim that also
 * binds the callback's signature is one script. Works with your own ioredis or node-redis client; the store never
 * closes it.
 *
 * @example
 * import { Redis } from 'ioredis';
 * import { redisStore } from 'suno-callbacks/redis';
 *
 * const suno = sunoCallbacks({ secret, store: redisStore({ client: new Redis(process.env.REDIS_URL) }) });
 */
export function redisStore(options: RedisStoreOptions): SignedClaimStore {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('redisStore() takes an options object: redisStore({ client }).');
  }
  rejectUnknown('', options, OPTION_NAMES);
  const send = sender(options.client);
  const prefix = options.prefix ?? 'suno-callbacks:';
  if (typeof prefix !== 'string') throw new TypeError(`\`prefix\` must be a string; received ${typeof prefix}.`);
  const claimKey = (key: string): string => `${prefix}claim:${key}`;
  const signatureKey = (id: string): string => `${prefix}sig:${id}`;

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
    async claimSigned(key, ttlMs, use) {
      const reply = await run(
        SCRIPTS.claimSigned,
        [claimKey(key), signatureKey(use.id)],
        [use.binding, positiveMs(use.ttlMs), positiveMs(ttlMs)],
      );
      if (!OUTCOMES.has(reply)) throw new Error(`unexpected reply to the claim script: ${String(reply)}`);
      return reply as SignedClaimOutcome;
    },
    async release(key) {
      await send(['DEL', claimKey(key)]);
    },
    close() {
      // The client is the caller's: it may serve the rest of the app, so it stays open.
    },
  };
}
