/**
 * The worker half: `npm run example:bullmq:worker` (start as many as you like, on any machine). Takes the callbacks
 * that `npm run example:bullmq:web` queued and runs the listeners. With DATABASE_URL set it uses BullMQ's PostgreSQL
 * backend instead of Redis:
 *
 *   DATABASE_URL=postgres://user@127.0.0.1:5432/app npm run example:bullmq:worker
 *
 * A listener that throws fails the attempt and BullMQ tries again later (by default 15 attempts over about 4.5 hours).
 * After the last one the job stays in the failed set: `suno-callbacks failed --redis $REDIS_URL --queue suno-callbacks`
 * lists it, `suno-callbacks replay <key> ...` runs it again.
 */
import { createPostgresBackend } from 'bullmq';
import { DeliveryFailedError, sunoWorker, type SunoWorkerHandle } from '../../lib/bullmq/index.js';
import { DATABASE_URL, postgresConnection, QUEUE_NAME, REDIS_URL } from './connection.js';

const options = {
  concurrency: 16,
  // How long a job may run before another worker takes it for stalled; BullMQ renews it while the job runs.
  lockDuration: 30_000,
};

const worker: SunoWorkerHandle =
  DATABASE_URL === undefined
    ? sunoWorker(QUEUE_NAME, { ...options, connection: { url: REDIS_URL } })
    : sunoWorker(QUEUE_NAME, { ...options, connection: postgresConnection(DATABASE_URL) }, createPostgresBackend);

worker.on('music-ready', async (event) => {
  for (const track of event.tracks) console.log(`[${process.pid}] ${event.taskId}: "${track.title}" ${track.audioUrl}`);
});
worker.on('callback', (event) => console.log(`[${process.pid}] ${event.kind} ${event.stage} task=${event.taskId}`));
worker.on('unrecognized', (event) => console.warn(`[${process.pid}] unrecognized callback ${event.key ?? ''}`));
worker.on('error', (error) => {
  if (error instanceof DeliveryFailedError) {
    console.error(`[${process.pid}] gave up on ${error.key} after ${error.attemptsMade} attempts: ${error.message}`);
  } else {
    console.error(`[${process.pid}] ${error.code}: ${error.message}`);
  }
});

console.log(`[${process.pid}] worker on queue "${QUEUE_NAME}" (${DATABASE_URL === undefined ? 'Redis' : 'PostgreSQL'})`);

// close() lets the running listeners finish; a job cut short by a harder stop is taken over by another worker.
process.once('SIGINT', () => void worker.close());
process.once('SIGTERM', () => void worker.close());
