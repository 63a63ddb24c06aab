/**
 * One app instance for the multi-process tests, run as a child process:
 *   node --import tsx __tests__/helpers/store-worker.ts '<WorkerConfig as JSON>'
 * It mounts the real middleware on a shared store and reports on stdout, one JSON object a line: `ready` (with its
 * port), `started` and `processed` (a listener began / ended for a key), `error` (the middleware's error event),
 * `log` (library messages) and `unhandled` (an unhandled rejection or exception, after which it exits with 70).
 * GET /stats answers { inFlight }. SIGTERM closes it cleanly (exit 0).
 */
import express from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createClient } from 'redis';
import { sunoCallbacks, type DedupeStore, type Logger } from '../../lib/index.js';
import { postgresStore } from '../../lib/stores/postgres.js';
import { redisStore } from '../../lib/stores/redis.js';
import { POSTGRES, REDIS_HOST, REDIS_PORT } from './services.js';
import { SECRET } from './app.js';

export interface WorkerConfig {
  store: 'ioredis' | 'node-redis' | 'postgres';
  /** Redis stores: the key prefix. */
  prefix?: string;
  /** Redis stores: the server's port. @default 6379 */
  redisPort?: number;
  /** Redis stores: milliseconds between reconnection attempts. @default the client's own strategy */
  reconnectMs?: number;
  /** PostgreSQL store: the table. */
  table?: string;
  /** `record`: listeners finish at once; `hang`: listeners never finish (to be killed mid-flight). */
  mode: 'record' | 'hang';
  storeTimeoutMs?: number;
  /** Listeners running at once. @default 16 */
  concurrency?: number;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

process.on('unhandledRejection', (reason) => {
  emit({ type: 'unhandled', message: String(reason instanceof Error ? reason.stack : reason) });
  process.exit(70);
});
process.on('uncaughtException', (error) => {
  emit({ type: 'unhandled', message: String(error.stack ?? error) });
  process.exit(70);
});

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const closers: Array<() => Promise<unknown>> = [];

async function makeStore(): Promise<DedupeStore> {
  const port = config.redisPort ?? REDIS_PORT;
  const reconnectMs = config.reconnectMs;
  if (config.store === 'ioredis') {
    const client = new Redis({
      host: REDIS_HOST,
      port,
      ...(reconnectMs === undefined ? {} : { retryStrategy: () => reconnectMs }),
    });
    client.on('error', () => undefined);
    closers.push(() => client.quit().catch(() => client.disconnect()));
    return redisStore({ client, prefix: config.prefix ?? 'suno-worker:' });
  }
  if (config.store === 'node-redis') {
    const client = createClient({
      socket: { host: REDIS_HOST, port, ...(reconnectMs === undefined ? {} : { reconnectStrategy: () => reconnectMs }) },
    });
    // Without a listener node-redis turns a lost connection into an uncaught exception.
    client.on('error', () => undefined);
    await client.connect();
    closers.push(() => client.quit().catch(() => client.destroy()));
    return redisStore({ client, prefix: config.prefix ?? 'suno-worker:' });
  }
  const pool = new pg.Pool({ ...POSTGRES, max: 10 });
  pool.on('error', () => undefined);
  closers.push(() => pool.end());
  return postgresStore({ pool, table: config.table ?? 'suno_worker' });
}

const logger: Logger = {
  debug: () => undefined,
  info: (message) => emit({ type: 'log', level: 'info', message }),
  warn: (message) => emit({ type: 'log', level: 'warn', message }),
  error: (message) => emit({ type: 'log', level: 'error', message }),
};

const suno = sunoCallbacks({
  secret: SECRET,
  store: await makeStore(),
  logger,
  retry: { retries: 0, minTimeout: 0 },
  maxPending: 10_000,
  ...(config.storeTimeoutMs === undefined ? {} : { storeTimeoutMs: config.storeTimeoutMs }),
  ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
});

suno.on('callback', async (event) => {
  emit({ type: 'started', key: event.key });
  if (config.mode === 'hang') await new Promise<never>(() => undefined);
  emit({ type: 'processed', key: event.key });
});
suno.on('error', (error) => {
  emit({ type: 'error', code: error.code, message: error.message });
});

const app = express();
app.use(suno);
app.get('/stats', (_req, res) => {
  res.json({ inFlight: suno.inFlight });
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  emit({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0, pid: process.pid });
});

process.once('SIGTERM', () => {
  void (async () => {
    server.close();
    await suno.close();
    for (const close of closers) await close();
    process.exit(0);
  })();
});
