import { DelayedError, UnrecoverableError } from 'bullmq';
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
  if (Date.now() >= data.deadline) {
    await deps.timeout(taskTimeoutEvent(data));
    return;
  }
  const next = await pollStep(config, data, deps.accept, deps.report, spacing);
  if (next.done) return;
  await job.updateData({ ...data, failures: next.failures });
  await job.moveToDelayed(Math.min(Date.now() + next.delayMs, data.deadline), token);
  // BullMQ's way to say "not finished, not failed: asleep until the timestamp above".
  throw new DelayedError();
}
