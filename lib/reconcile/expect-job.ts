import { DelayedError, UnrecoverableError } from 'bullmq';
import { isCallbackKind, isJsonObject, type CallbackKind, type JsonObject } from '../classify.js';
import { identify } from '../identify.js';
import type { TaskTimeoutEvent } from '../events.js';
import { resolveReconcile, type ReconcileOptions, type ResolvedReconcile } from './options.js';
import { TaskSpacing } from './poll.js';
import { readExpectJobData, type ExpectJobData } from './queue-scheduler.js';
import { taskTimeoutEvent } from './reconciler.js';
import type { ReconcileError } from './errors.js';
import { pollStep, type Accept } from './step.js';

/** The part of a BullMQ `Job` an expectation needs. */
export interface ExpectJob {
  id?: string | undefined;
  data: unknown;
  updateData(data: ExpectJobData): Promise<void>;
  moveToDelayed(timestamp: number, token?: string): Promise<void>;
}

/** What a worker brings to expectation jobs. */
export interface ExpectJobDeps {
  /** `apiKey` and `baseUrl` (the cadence comes with each job, from the web side's options). */
  reconcile: Pick<ReconcileOptions, 'apiKey' | 'baseUrl'>;
  /** Where a finished task's callback body goes: the same road as a queued callback (same dedupe key). */
  accept: Accept;
  /** Runs the `task-timeout` listeners; a rejection fails the job, and BullMQ tries it again. */
  timeout(event: TaskTimeoutEvent): Promise<void>;
  report(error: ReconcileError): void;
}

/** Spacing per process: several jobs of one task on one worker still keep under the provider's rate. */
const spacing = new TaskSpacing();

/**
 * Processes one `suno-expect` job on a worker: polls once, delivers a finished task, gives `task-timeout` at the
 * deadline, and otherwise puts the job back to sleep (`moveToDelayed`) until the next poll. The job stays the same
 * job throughout, so a restart anywhere resumes it.
 *
 * @example
 * // inside a BullMQ processor: if (job.name === EXPECT_JOB_NAME) return processExpectJob(job, token, deps);
 */
export async function processExpectJob(job: ExpectJob, token: string | undefined, deps: ExpectJobDeps): Promise<void> {
  const data = readExpectJobData(job.data);
  if (data === undefined) throw new UnrecoverableError(`job ${job.id ?? '?'} does not hold a Suno expectation (v1)`);
  const resolved = resolveReconcile({ ...deps.reconcile, everySeconds: data.everyMs / 1000 });
  if (resolved === undefined) throw new UnrecoverableError('processExpectJob needs `reconcile: { apiKey, baseUrl }`');
  const config: ResolvedReconcile = { ...resolved, everyMs: data.everyMs };
  // At the deadline too: one last look, so that `task-timeout` means "checked, and not finished".
  const next = await pollStep(config, data, deps.accept, deps.report, spacing);
  if (next.done) return;
  if (Date.now() >= data.deadline) {
    await deps.timeout(taskTimeoutEvent(data));
    return;
  }
  await job.updateData({ ...data, failures: next.failures });
  await job.moveToDelayed(Math.min(Date.now() + next.delayMs, data.deadline), token);
  // BullMQ's way to say "not finished, not failed: asleep until the timestamp above".
  throw new DelayedError();
}

/** What a worker's queue does with a callback it adds (the web side's enqueue, with the job id of `key`). */
export type EnqueueCallback = (callback: { key: string; body: JsonObject; hint: CallbackKind | undefined; receivedAt: Date }) => Promise<unknown>;

/**
 * The `accept` of a worker: a finished poll becomes a callback job exactly like the one the middleware queues for that
 * callback (same dedupe key, hence the same job id), so the worker's listeners see it once, whichever came first.
 */
export function acceptIntoQueue(enqueue: EnqueueCallback): Accept {
  return async (body, hint) => {
    if (body.type !== 'parsed' || !isJsonObject(body.value)) return { status: 400 };
    const kindHint = isCallbackKind(hint) ? hint : undefined;
    // The very key the middleware gives this callback (Market bodies included), so the two become one job.
    const identified = identify(body.value, kindHint);
    if (identified === undefined) return { status: 400 };
    const { key } = identified;
    try {
      await enqueue({ key, body: body.value, hint: kindHint, receivedAt: new Date() });
      return { status: 200 };
    } catch {
      // The queue is down: the expectation job is retried later, like a 503 for a callback.
      return { status: 503 };
    }
  };
}
