import { resolveTelemetry, type Telemetry } from '../telemetry/telemetry.js';
import { acceptIntoQueue, processExpectJob, type EnqueueCallback, type ExpectJob } from '../reconcile/expect-job.js';
import type { ReconcileOptions } from '../reconcile/options.js';
import { EXPECT_JOB_NAME } from '../reconcile/queue-scheduler.js';
import { enqueueFound } from './enqueue.js';
import type { CallbackQueue } from './queue-shape.js';
import {
  Queue,
  UnrecoverableError,
  Worker,
  type BackendFactory,
  type ConnectionOptions,
  type IQueueBackend,
  type Job,
  type JobProgress,
  type RedisQueueBackend,
  type WorkerOptions,
} from 'bullmq';
import type { CallbackEvent, SunoListener, UnrecognizedEvent } from '../events.js';
import type { Logger } from '../options.js';
import { DeliveryFailedError } from './errors.js';
import { readJobData, type CallbackJobData } from './job-data.js';
import { keyOfJobId } from './job-id.js';
import { Listeners, type WorkerEventName } from './listeners.js';
import { rebuildEvent } from './rebuild-event.js';

/** The BullMQ `Worker` under a `sunoWorker`, on backend `B`. */
export type CallbackWorker<B extends IQueueBackend = RedisQueueBackend, C = ConnectionOptions> = Worker<
  CallbackJobData,
  void,
  string,
  B,
  JobProgress,
  C
>;

/** BullMQ's own worker options, passed through, plus where this package's messages go. */
export type SunoWorkerOptions<C = ConnectionOptions> = WorkerOptions<C> & {
  /** Library messages (an `error` with no `error` listener, connection errors). @default console */
  logger?: Logger | undefined;
  /**
   * Traces and metrics (`otel()` from `suno-callbacks/otel`): listeners run inside the trace of the request that
   * queued the callback, and the lag from receipt to processing is recorded. (BullMQ's own `telemetry` option
   * passes through untouched.) @default no telemetry
   */
  sunoTelemetry?: Telemetry | undefined;
  /**
   * The provider API key and base URL, for the expectation jobs that `suno.expect()` queues when the middleware has
   * both `queue` and `reconcile`: this worker polls for them and delivers what it finds as a callback job.
   * @example sunoWorker('suno-callbacks', { connection, reconcile: { apiKey, baseUrl: 'https://api.sunoapi.org' } })
   */
  reconcile?: Pick<ReconcileOptions, 'apiKey' | 'baseUrl'> | undefined;
  /** How long a callback found by polling blocks its redeliveries, as the middleware's `dedupeTtlSeconds`. @default 86_400 */
  dedupeTtlSeconds?: number | undefined;
};

/** What a worker offers whatever its backend: the typed listeners and a graceful close. */
export interface SunoWorkerHandle {
  /** Adds a listener; the same typed events as the middleware's. Returns the worker. */
  on<E extends WorkerEventName>(name: E, listener: SunoListener<E>): this;
  off<E extends WorkerEventName>(name: E, listener: SunoListener<E>): this;
  /** Stops taking jobs, waits for the running ones to finish, and closes the connections the worker made. */
  close(): Promise<void>;
}

export interface SunoWorker<B extends IQueueBackend = RedisQueueBackend, C = ConnectionOptions> extends SunoWorkerHandle {
  /** The underlying BullMQ worker, for BullMQ's own tooling (events, metrics, pause/resume). */
  readonly worker: CallbackWorker<B, C>;
}

/** `sunoWorker`'s two shapes, like BullMQ's `Worker` constructor: Redis by default, or a backend factory last. */
export interface SunoWorkerFactory {
  (queueName: string, options: SunoWorkerOptions): SunoWorker;
  <B extends IQueueBackend, C>(
    queueName: string,
    options: SunoWorkerOptions<NoInfer<C>>,
    backend: BackendFactory<B, C>,
  ): SunoWorker<B, C>;
}

/**
 * Runs the listeners of callbacks queued by the middleware's `queue` option, on any machine and in any number of
 * processes. Shaped like BullMQ's `Worker`: the same options (`connection`, `concurrency`, `lockDuration`,
 * `stalledInterval`, ...) and, last, the backend factory (`createPostgresBackend` for PostgreSQL).
 *
 * A listener that throws fails the attempt; BullMQ tries again with the job's backoff. After the last attempt the job
 * stays in the failed set (`suno-callbacks failed`, `suno-callbacks replay`) and `error` fires with a
 * `DeliveryFailedError`. A worker killed mid-job leaves it stalled; another worker takes it over.
 *
 * @example
 * const worker = sunoWorker('suno-callbacks', { connection, concurrency: 16 });
 * worker.on('music-ready', async (event) => saveTracks(event.taskId, event.tracks));
 * process.on('SIGTERM', () => void worker.close());
 */
// The cast only restores the per-backend types the single implementation cannot spell (BullMQ's Worker is invariant
// in its backend type); at run time the backend argument is passed through untouched.
export const sunoWorker = createWorker as unknown as SunoWorkerFactory;

function createWorker(
  queueName: string,
  options: SunoWorkerOptions<unknown>,
  backend?: BackendFactory<IQueueBackend, unknown>,
): SunoWorker<IQueueBackend, unknown> {
  const { logger = console, sunoTelemetry, reconcile, dedupeTtlSeconds = 86_400, ...workerOptions } = options;
  const telemetry = resolveTelemetry(sunoTelemetry);
  // Callbacks found by polling are queued on this very queue, under their callback's job id (made when first needed).
  let callbackQueue: Queue | undefined;
  const queueFound: EnqueueCallback = (callback) => {
    callbackQueue ??= new Queue(queueName, { connection: workerOptions.connection } as never, backend as never) as Queue;
    return enqueueFound(callbackQueue as unknown as CallbackQueue, callback, { timeoutMs: 10_000, dedupeTtlMs: dedupeTtlSeconds * 1000 });
  };
  const listeners = new Listeners();

  const process = async (job: Job<CallbackJobData>, token?: string): Promise<void> => {
    if (job.name === EXPECT_JOB_NAME) {
      if (reconcile === undefined) {
        throw new UnrecoverableError('an expectation job needs the worker option `reconcile: { apiKey, baseUrl }`');
      }
      return processExpectJob(job as unknown as ExpectJob, token, {
        reconcile,
        accept: acceptIntoQueue(queueFound),
        timeout: async (event) => {
          const failures = await listeners.run(event, ['task-timeout']);
          if (failures.length > 0) throw failures[0]?.reason;
        },
        report: (error) => logger.error(`[suno-callbacks] ${error.message}`),
      });
    }
    const key = keyOfJobId(job.id ?? '');
    const data = readJobData(job.data);
    // Retrying cannot make unreadable data readable: straight to the failed set, where it can be inspected.
    if (data === undefined) throw new UnrecoverableError(`job ${job.id ?? '?'} does not hold a Suno callback (v1)`);
    const { names, event } = rebuildEvent(key, data);
    telemetry.processing(event.receivedAt);
    const failures = await telemetry.runWithContext(data.trace, () => listeners.run(event, names));
    if (failures.length === 0) return;
    const messages = failures.map(({ name, reason }) => `"${name}" listener: ${reason instanceof Error ? reason.message : String(reason)}`);
    const first = failures[0]?.reason;
    if (failures.length === 1 && first instanceof Error) throw first;
    throw new AggregateError(
      failures.map(({ reason }) => reason),
      messages.join('; '),
    );
  };

  // Started on the next turn, so that listeners added right after sunoWorker() returns see the first job.
  const autorun = workerOptions.autorun !== false;
  const worker = new Worker<CallbackJobData, void, string, IQueueBackend, JobProgress, unknown>(
    queueName,
    process,
    { ...workerOptions, autorun: false },
    backend as BackendFactory<IQueueBackend, unknown>,
  );

  const report = (error: DeliveryFailedError): void => {
    if (listeners.count('error') === 0) {
      logger.error(`[suno-callbacks] ${error.message}`);
      return;
    }
    listeners.notify(error, (thrown) => {
      logger.error(`[suno-callbacks] an "error" listener threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    });
  };

  worker.on('failed', (job, error) => {
    if (job === undefined) return;
    // BullMQ sets finishedOn only when the job moves to the failed set for good, not when it is retried.
    const final = typeof job.finishedOn === 'number' || error instanceof UnrecoverableError;
    if (!final) return;
    const key = keyOfJobId(job.id ?? '');
    const data = readJobData(job.data);
    let event: CallbackEvent | UnrecognizedEvent | undefined;
    if (data !== undefined) event = rebuildEvent(key, data).event;
    report(new DeliveryFailedError(key, event, job.attemptsMade, error));
  });
  // An EventEmitter 'error' with no listener would crash the process: connection trouble is logged, BullMQ reconnects.
  worker.on('error', (error) => logger.error(`[suno-callbacks] worker: ${error.message}`));

  if (autorun) {
    setImmediate(() => {
      worker.run().catch((error: unknown) => {
        logger.error(`[suno-callbacks] worker stopped: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
  }

  let closed: Promise<void> | undefined;
  const handle: SunoWorker<IQueueBackend, unknown> = {
    on(name, listener) {
      listeners.add(name, listener);
      return handle;
    },
    off(name, listener) {
      listeners.remove(name, listener);
      return handle;
    },
    close() {
      closed ??= worker.close().then(() => callbackQueue?.close());
      return closed;
    },
    worker,
  };
  return handle;
}
