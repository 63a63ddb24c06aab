/**
 * Compile-time tests of suno-callbacks/bullmq: `npm test` runs `tsc --noEmit` over this file. Each `@ts-expect-error`
 * line must fail to compile; if one ever compiles, tsc reports the unused directive and the suite fails.
 */
import { Queue, createPostgresBackend, type PostgresConnectionOptions, type PostgresQueueBackend } from 'bullmq';
import { sunoCallbacks } from '../lib/index.js';
import { DeliveryFailedError, sunoWorker, type SunoWorker, type SunoWorkerHandle } from '../lib/bullmq/index.js';

const worker = sunoWorker('q', { connection: { host: '127.0.0.1' }, concurrency: 4, lockDuration: 60_000 });
worker.on('video-ready', (event) => {
  const url: string = event.videoUrl;
  void url;
  // @ts-expect-error video events have no images
  void event.images;
});
worker.on('error', (error) => {
  if (error instanceof DeliveryFailedError) {
    const attempts: number = error.attemptsMade;
    void attempts;
  }
});
// @ts-expect-error `duplicate` fires on the middleware, not on a worker
worker.on('duplicate', () => undefined);
// @ts-expect-error a misspelt event name
worker.on('video-redy', () => undefined);
// @ts-expect-error not a BullMQ worker option
sunoWorker('q', { connection: { host: '127.0.0.1' }, concurency: 4 });

// The PostgreSQL backend, last, as with BullMQ's own Worker: its connection type follows.
const onPostgres = sunoWorker('q', { connection: 'postgres://localhost/db' }, createPostgresBackend);
const typed: SunoWorker<PostgresQueueBackend, PostgresConnectionOptions> = onPostgres;
void typed;
// @ts-expect-error a number is no PostgreSQL connection
sunoWorker('q', { connection: 5432 }, createPostgresBackend);
const handles: SunoWorkerHandle[] = [worker, onPostgres];
void handles;

// The middleware takes a Queue on either backend.
sunoCallbacks({ secret: 's', queue: new Queue('q', { connection: { host: '127.0.0.1' } }) });
sunoCallbacks({ secret: 's', queue: new Queue('q', { connection: 'postgres://localhost/db' }, createPostgresBackend) });
// @ts-expect-error a queue needs add() and getJob()
sunoCallbacks({ secret: 's', queue: { name: 'q' } });
