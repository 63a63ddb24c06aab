/**
 * The servers under test, one Express 5 app per kind. Each runs alone in its own child process (see server.ts), so
 * the load generator never shares its event loop.
 */
import { Webhooks, createNodeMiddleware } from '@octokit/webhooks';
import { createAdaptorServer } from '@hono/node-server';
import express from 'express';
import { createServer, type Server } from 'node:http';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Queue, createPostgresBackend } from 'bullmq';
import type { SunoEventName } from '../lib/events.js';
import { memoryStore, sunoCallbacks, type SunoCallbacks, type SunoCallbacksOptions } from '../lib/index.js';
import { postgresStore } from '../lib/stores/postgres.js';
import { sunoCallbacks as sunoWebCallbacks } from '../lib/web/index.js';
import { redisStore } from '../lib/stores/redis.js';
import { BENCH_SECRET } from './config.js';

export const SERVER_KINDS = [
  'baseline',
  'ceiling',
  'octokit',
  'suno-memory',
  'suno-redis',
  'suno-postgres',
  'suno-slow',
  'suno-midi',
  'raw-http',
  'suno-node-http',
  'suno-web-hono',
  'suno-queue-redis',
  'suno-queue-redis-1rtt',
  'suno-queue-postgres',
] as const;

export type ServerKind = (typeof SERVER_KINDS)[number];

export function isServerKind(value: string | undefined): value is ServerKind {
  return (SERVER_KINDS as readonly string[]).includes(value ?? '');
}

/** What a server reports when it stops: anything that would make its figures a lie. */
export interface ServerStats {
  /** Callbacks the middleware refused (4xx or 503), counted from its `rejected` event. */
  rejected: number;
  /** `error` events: a store that failed, or a listener that failed every attempt. */
  errors: number;
  /** Most listeners running at the same moment (scenario 7). */
  peakListeners: number;
  /** Highest `suno.inFlight` seen by a listener (scenario 7): accepted callbacks not yet finished. */
  peakInFlight: number;
}

/** What a server child listens with: an Express app, or a plain node:http server (no framework, or Hono's adapter). */
export interface Listenable {
  listen(port: number, host: string, callback: () => void): Server;
}

export interface BuiltApp {
  app: Listenable;
  stats(): ServerStats;
  close(): Promise<void>;
}

export interface AppHooks {
  /** Sends a message to the parent process (the MIDI scenario reports when its listener ran). */
  notify(message: Record<string, unknown>): void;
}

/** Every event an accepted callback can fire (the family's own event, or `failure`, or `unrecognized`). */
const ACCEPTED_EVENTS = [
  'music-progress',
  'music-ready',
  'lyrics-ready',
  'cover-ready',
  'wav-ready',
  'stems-ready',
  'midi-ready',
  'video-ready',
  'voice-phrase-ready',
  'voice-ready',
  'failure',
  'unrecognized',
  'callback',
] as const satisfies readonly SunoEventName[];

const RECEIVED_TEXT = JSON.stringify({ status: 'received' });
/** memoryStore()'s default `maxEntries`. */
const MEMORY_STORE_DEFAULT_BOUND = 100_000;

/** The handler the provider's docs show: express.json() and a route that answers `{ status: 'received' }`. */
function baseline(): Listenable {
  const app = express();
  app.use(express.json());
  app.post('/suno/callback', (_req, res) => {
    res.status(200).json({ status: 'received' });
  });
  return app;
}

/** The fastest an Express app can accept a JSON callback: one app.use that reads, parses and answers. */
function ceiling(): Listenable {
  const app = express();
  app.use((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': RECEIVED_TEXT.length });
      res.end(RECEIVED_TEXT);
    });
  });
  return app;
}

/** The floor of any node:http receiver: read the body, JSON.parse it, answer. No framework, no checks. */
function rawHttp(): Listenable {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': RECEIVED_TEXT.length });
      res.end(RECEIVED_TEXT);
    });
  });
}

/** The peer: GitHub's own webhook receiver, verifying the HMAC of every body. */
function octokit(): Listenable {
  const webhooks = new Webhooks({ secret: BENCH_SECRET });
  webhooks.on('push', () => undefined);
  const app = express();
  app.use(createNodeMiddleware(webhooks, { path: '/api/github/webhooks' }));
  return app;
}

/** The default store, already full, as in a server that has been up a while: every claim also evicts. */
function prefilledMemoryStore(): ReturnType<typeof memoryStore> {
  const store = memoryStore();
  for (let i = 0; i < MEMORY_STORE_DEFAULT_BOUND; i += 1) store.claim(`prefill:${i}`, 86_400_000);
  return store;
}

function counters(suno: SunoCallbacks): ServerStats {
  const stats: ServerStats = { rejected: 0, errors: 0, peakListeners: 0, peakInFlight: 0 };
  suno.on('rejected', () => {
    stats.rejected += 1;
  });
  suno.on('error', () => {
    stats.errors += 1;
  });
  return stats;
}

function sunoApp(options: SunoCallbacksOptions, extraClose?: () => Promise<void>): BuiltApp & { suno: SunoCallbacks; counts: ServerStats } {
  const suno = sunoCallbacks({ secret: BENCH_SECRET, ...options });
  const counts = counters(suno);
  const app = express();
  app.use(suno);
  return {
    app,
    suno,
    counts,
    stats: () => counts,
    close: async () => {
      await suno.close();
      await extraClose?.();
    },
  };
}

export async function buildApp(kind: ServerKind, hooks: AppHooks): Promise<BuiltApp> {
  const idle: Pick<BuiltApp, 'stats' | 'close'> = {
    stats: () => ({ rejected: 0, errors: 0, peakListeners: 0, peakInFlight: 0 }),
    close: () => Promise.resolve(),
  };
  switch (kind) {
    case 'baseline':
      return { app: baseline(), ...idle };
    case 'ceiling':
      return { app: ceiling(), ...idle };
    case 'octokit':
      return { app: octokit(), ...idle };
    case 'suno-memory': {
      const built = sunoApp({ store: prefilledMemoryStore() });
      // The catch-all listener a typical app has: dispatch (p-retry, limiter, normalising) is part of the cost.
      built.suno.on('callback', () => undefined);
      return built;
    }
    case 'suno-redis':
    case 'suno-postgres':
      return buildStoreApp(kind);
    case 'suno-slow': {
      // Little's law: 1,000 callbacks/s x 100 ms = about 100 callbacks in flight, each running two listeners (its
      // own event and `callback`), so about 200 listeners at once. Both bounds sit well above that: a 503 here would
      // be the benchmark's fault, not the load's.
      const built = sunoApp({ concurrency: 1000, maxPending: 2000 });
      let running = 0;
      const slow = async (): Promise<void> => {
        running += 1;
        built.counts.peakListeners = Math.max(built.counts.peakListeners, running);
        built.counts.peakInFlight = Math.max(built.counts.peakInFlight, built.suno.inFlight);
        await new Promise((resolve) => setTimeout(resolve, 100));
        running -= 1;
      };
      for (const name of ACCEPTED_EVENTS) built.suno.on(name, slow);
      return built;
    }
    case 'raw-http':
      return { app: rawHttp(), ...idle };
    case 'suno-node-http': {
      // The Express middleware on a plain node:http server: the package's own cost without Express's.
      const built = sunoApp({ store: prefilledMemoryStore() });
      built.suno.on('callback', () => undefined);
      const { suno } = built;
      built.app = createServer((req, res) =>
        suno(req, res, () => {
          res.statusCode = 404;
          res.end();
        }),
      );
      return built;
    }
    case 'suno-web-hono': {
      // The web door through @hono/node-server's adapter: Node's request becomes a Fetch Request and back.
      const suno = sunoWebCallbacks({ secret: BENCH_SECRET, path: '/suno/callback', store: prefilledMemoryStore() });
      const counts: ServerStats = { rejected: 0, errors: 0, peakListeners: 0, peakInFlight: 0 };
      suno.on('rejected', () => void (counts.rejected += 1));
      suno.on('error', () => void (counts.errors += 1));
      suno.on('callback', () => undefined);
      const server = createAdaptorServer({ fetch: (request: Request) => suno.fetch(request) }) as Server;
      return { app: server, stats: () => counts, close: async () => void (await suno.close()) };
    }
    case 'suno-queue-redis':
    case 'suno-queue-redis-1rtt':
    case 'suno-queue-postgres':
      return buildQueueApp(kind);
    case 'suno-midi': {
      const built = sunoApp({});
      built.suno.on('midi-ready', (event) => {
        const notes = event.instruments.reduce((sum, instrument) => sum + instrument.notes.length, 0);
        hooks.notify({ type: 'midi-ready', taskId: event.taskId, notes });
      });
      return built;
    }
  }
}

/**
 * Scenarios 5 and 6: the shared stores with the clients users pass them (an ioredis client, a pg Pool with its
 * defaults). Each run writes under its own key prefix or table, and removes them when it stops.
 */
async function buildStoreApp(kind: 'suno-redis' | 'suno-postgres'): Promise<BuiltApp> {
  const suffix = randomBytes(4).toString('hex');
  // An hour is plenty for a benchmark and lets Redis forget the keys even if the clean-up never runs.
  const dedupeTtlSeconds = 3600;
  if (kind === 'suno-redis') {
    const client = new Redis({ host: '127.0.0.1', port: 6379 });
    const prefix = `suno-bench-${suffix}:`;
    const built = sunoApp({ store: redisStore({ client, prefix }), dedupeTtlSeconds }, async () => {
      for (let cursor = '0'; ; ) {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await client.unlink(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
      await client.quit();
    });
    built.suno.on('callback', () => undefined);
    return built;
  }
  const pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'root', database: 'test' });
  const table = `suno_bench_${suffix}`;
  const built = sunoApp({ store: postgresStore({ pool, table }), dedupeTtlSeconds }, async () => {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  });
  built.suno.on('callback', () => undefined);
  return built;
}

/**
 * Scenario 9: BullMQ delivery. Every accepted callback is added to a queue before the 200; no worker runs, so the
 * figures are the web side's alone. `suno-queue-redis`: a Redis store claims, then the job is added (two round trips).
 * `suno-queue-redis-1rtt`: the default memory store, so the queue dedupes by itself (one round trip).
 * `suno-queue-postgres`: a PostgreSQL store and BullMQ's PostgreSQL backend.
 */
async function buildQueueApp(kind: 'suno-queue-redis' | 'suno-queue-redis-1rtt' | 'suno-queue-postgres'): Promise<BuiltApp> {
  const suffix = randomBytes(4).toString('hex');
  const name = `suno-bench-queue-${suffix}`;
  const dedupeTtlSeconds = 3600;
  if (kind === 'suno-queue-postgres') {
    const connection = { host: '127.0.0.1', port: 5432, user: 'root', database: 'test', migrate: true };
    const queue = new Queue(name, { connection }, createPostgresBackend);
    await queue.waitUntilReady();
    const pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'root', database: 'test' });
    const table = `suno_bench_${suffix}`;
    return sunoApp({ store: postgresStore({ pool, table }), queue: queue as unknown as Queue, dedupeTtlSeconds }, async () => {
      await queue.obliterate({ force: true });
      await queue.close();
      await pool.query(`DROP TABLE IF EXISTS "${table}"`);
      await pool.end();
    });
  }
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: 6379 } });
  await queue.waitUntilReady();
  const dropQueue = async (): Promise<void> => {
    await queue.obliterate({ force: true });
    await queue.close();
  };
  if (kind === 'suno-queue-redis-1rtt') return sunoApp({ queue, dedupeTtlSeconds }, dropQueue);
  const client = new Redis({ host: '127.0.0.1', port: 6379 });
  const prefix = `suno-bench-${suffix}:`;
  return sunoApp({ store: redisStore({ client, prefix }), queue, dedupeTtlSeconds }, async () => {
    await dropQueue();
    for (let cursor = '0'; ; ) {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    await client.quit();
  });
}
