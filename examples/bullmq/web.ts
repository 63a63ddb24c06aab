/**
 * The web half: `npm run example:bullmq:web`, then `npm run example:bullmq:worker` in another terminal. Every accepted
 * callback is added to the queue before the provider gets its 200; the workers run the listeners. With DATABASE_URL
 * set, both the dedupe store and the queue live in PostgreSQL (BullMQ's PostgreSQL backend), and no Redis is needed:
 *
 *   DATABASE_URL=postgres://user@127.0.0.1:5432/app npm run example:bullmq:web
 *
 * Try it: `npx suno-callbacks send music --url http://localhost:3000/suno/callback` (same SUNO_WEBHOOK_SECRET).
 */
import express from 'express';
import { Queue, createPostgresBackend } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { sunoCallbacks, type DedupeStore } from '../../lib/index.js';
import { postgresStore } from '../../lib/stores/postgres.js';
import { redisStore } from '../../lib/stores/redis.js';
import { DATABASE_URL, postgresConnection, QUEUE_NAME, REDIS_URL } from './connection.js';

const secret = process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me';
const port = Number(process.env.PORT ?? 3000);

let store: DedupeStore;
let queue: Queue;
const closers: Array<() => Promise<unknown>> = [];
if (DATABASE_URL === undefined) {
  const client = new Redis(REDIS_URL);
  client.on('error', (error) => console.error(`[redis] ${error.message}`));
  closers.push(() => client.quit());
  store = redisStore({ client, prefix: 'suno-callbacks:' });
  queue = new Queue(QUEUE_NAME, { connection: { url: REDIS_URL } });
} else {
  const pool = new pg.Pool({ connectionString: DATABASE_URL });
  closers.push(() => pool.end());
  store = postgresStore({ pool });
  queue = new Queue(QUEUE_NAME, { connection: postgresConnection(DATABASE_URL) }, createPostgresBackend) as unknown as Queue;
}
closers.unshift(() => queue.close());

const suno = sunoCallbacks({
  secret,
  store,
  queue,
  // While the store or the queue does not answer, the sender gets 503 after at most this long, and retries.
  storeTimeoutMs: 2000,
});

// Callback listeners belong on the worker; these two happen here, on the web side.
suno.on('duplicate', (event) => console.log(`[${process.pid}] duplicate ${event.key}`));
suno.on('rejected', (event) => console.warn(`[${process.pid}] ${event.status} ${event.error}`));
suno.on('error', (error) => console.error(`[${process.pid}] ${error.code}: ${error.message}`));

const app = express();
app.use(suno);
const server = app.listen(port, () =>
  console.log(`listening on http://localhost:${port}${suno.path}, queueing to "${QUEUE_NAME}" (${DATABASE_URL === undefined ? 'Redis' : 'PostgreSQL'})`),
);

async function shutdown(): Promise<void> {
  server.close();
  await suno.close();
  for (const close of closers) await close();
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
