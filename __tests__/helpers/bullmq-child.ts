/**
 * One process of the BullMQ tests, run as a child:
 *   node --import tsx __tests__/helpers/bullmq-child.ts '<ChildConfig as JSON>'
 * role `web`: the real middleware with the `queue` option (dedupe claims in the shared Redis); role `worker`: a
 * sunoWorker. Reports on stdout, one JSON object a line: `ready` (with the web port), `started` / `processed` (a
 * worker's listener began / ended for a key), `error` (a worker's error event), `unhandled` (then exits with 70).
 * SIGTERM closes it cleanly (exit 0).
 */
import express from 'express';
import { Queue, createPostgresBackend } from 'bullmq';
import { Redis } from 'ioredis';
import { sunoCallbacks } from '../../lib/index.js';
import { redisStore } from '../../lib/stores/redis.js';
import { sunoWorker, type CallbackQueue, type SunoWorkerHandle } from '../../lib/bullmq/index.js';
import { SECRET } from './app.js';
import { POSTGRES_URL, REDIS_HOST, REDIS_PORT } from './services.js';

export interface ChildConfig {
  role: 'web' | 'worker';
  backend: 'redis' | 'postgres';
  queue: string;
  /** The Redis of the queue (Redis backend); dedupe claims stay on 6379. @default 6379 */
  redisPort?: number;
  /** web: the dedupe store's key prefix. */
  prefix?: string;
  /** web: a queue call slower than this answers 503. @default 5000 */
  timeoutMs?: number;
  /** worker: `record` finishes at once; `hang` never finishes; `fail-until` throws until `failUntil` (epoch ms). */
  mode?: 'record' | 'hang' | 'fail-until';
  failUntil?: number;
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
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

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const redisPort = config.redisPort ?? REDIS_PORT;
const redisConnection = { host: REDIS_HOST, port: redisPort };
const pgConnection = { connectionString: POSTGRES_URL, migrate: true, max: 5 };
const closers: Array<() => Promise<unknown>> = [];

if (config.role === 'worker') {
  const options = {
    concurrency: config.concurrency ?? 16,
    ...(config.lockDuration === undefined ? {} : { lockDuration: config.lockDuration }),
    ...(config.stalledInterval === undefined ? {} : { stalledInterval: config.stalledInterval }),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  const worker =
    config.backend === 'postgres'
      ? sunoWorker(config.queue, { ...options, connection: pgConnection }, createPostgresBackend)
      : sunoWorker(config.queue, { ...options, connection: redisConnection });
  const handle: SunoWorkerHandle = worker;
  handle.on('callback', async (event) => {
    emit({ type: 'started', key: event.key });
    if (config.mode === 'hang') await new Promise<never>(() => undefined);
    if (config.mode === 'fail-until' && Date.now() < (config.failUntil ?? 0)) throw new Error('the dependency is down');
    emit({ type: 'processed', key: event.key });
  });
  handle.on('error', (error) => emit({ type: 'error', code: error.code, message: error.message }));
  closers.push(() => worker.close());
  await worker.worker.waitUntilReady();
  emit({ type: 'ready', port: 0, pid: process.pid });
} else {
  const queue: CallbackQueue =
    config.backend === 'postgres'
      ? new Queue(config.queue, { connection: pgConnection }, createPostgresBackend)
      : new Queue(config.queue, { connection: redisConnection });
  closers.push(() => (queue as unknown as { close(): Promise<void> }).close());
  // Dedupe claims always go to the shared Redis, so that a fault injected into the queue's server hits only the add.
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, retryStrategy: () => 100 });
  client.on('error', () => undefined);
  closers.push(() => client.quit().catch(() => client.disconnect()));
  const suno = sunoCallbacks({
    secret: SECRET,
    store: redisStore({ client, prefix: config.prefix ?? 'suno-bullmq:' }),
    queue,
    storeTimeoutMs: config.timeoutMs ?? 5000,
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  suno.on('error', (error) => emit({ type: 'error', code: error.code, message: error.message }));
  const app = express();
  app.use(suno);
  const server = app.listen(0, '127.0.0.1');
  closers.unshift(() => suno.close());
  server.once('listening', () => {
    const address = server.address();
    emit({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0, pid: process.pid });
  });
  closers.unshift(() => new Promise((resolve) => server.close(resolve)));
}

process.once('SIGTERM', () => {
  void (async () => {
    for (const close of closers) await close().catch(() => undefined);
    process.exit(0);
  })();
});
