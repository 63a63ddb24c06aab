import { QueueError } from './errors.js';
import { jobIdOf, uniqueJobIdOf } from './job-id.js';
import { JOB_NAME, jobDataOf, type QueuedCallback } from './job-data.js';
import { unsetDefaults } from './job-options.js';
import type { CallbackQueue } from './queue-shape.js';

export interface EnqueueOptions {
  /** A queue call slower than this counts as failed: the sender gets 503 and retries. */
  timeoutMs: number;
  /** How long a callback blocks its redeliveries; completed jobs are kept at least this long by default. */
  dedupeTtlMs: number;
}

/** What the sender is told once the queue has the callback. */
export type QueueAnswer = 'received' | 'duplicate';

/**
 * Adds an accepted callback as a job whose id is its dedupe key, and resolves once the queue has it. Adding the same
 * key again while its job exists is a no-op (BullMQ ignores a known job id), so a retry after a timeout can never
 * queue the callback twice. Rejects with a `QueueError` when the queue fails or does not answer within `timeoutMs`.
 */
export async function enqueueCallback(queue: CallbackQueue, callback: QueuedCallback, options: EnqueueOptions): Promise<void> {
  const jobId = jobIdOf(callback.key);
  const jobOptions = { ...unsetDefaults(queue, options.dedupeTtlMs), jobId };
  await bounded(callback.key, () => queue.add(JOB_NAME, jobDataOf(callback), jobOptions), options.timeoutMs);
}

/**
 * Adds a callback that a worker found by polling (reconciliation). It must meet the same callback arriving through
 * the middleware in either of the middleware's ways, so it takes both marks: the job id of the key (what a claimed
 * delivery adds) and the deduplication id of the key (what the one-round-trip path checks). Whichever comes second
 * is then a no-op.
 */
export async function enqueueFound(queue: CallbackQueue, callback: QueuedCallback, options: EnqueueOptions): Promise<void> {
  const jobId = jobIdOf(callback.key);
  const jobOptions = { ...unsetDefaults(queue, options.dedupeTtlMs), jobId, deduplication: { id: jobId, ttl: options.dedupeTtlMs } };
  await bounded(callback.key, () => queue.add(JOB_NAME, jobDataOf(callback), jobOptions), options.timeoutMs);
}

/**
 * Decides the answer of an accepted callback once the dedupe store has spoken (`claimed`), queueing it when needed.
 * Resolves `'received'` or `'duplicate'`; rejects with a `QueueError` (the caller answers 503 `store_unavailable` and
 * releases its claim).
 *
 * - Claimed: the callback is added; `'received'` once the queue has it.
 * - Not claimed: the store says another delivery came first. That is only believed when the queue holds its job: the
 *   claim may be left over from an add that failed (the sender got 503) and a release that failed with it. Completed
 *   jobs are kept for the dedupe TTL, so a missing job was never queued: it is added now, and `'received'`.
 * - `claimed` undefined (no store claim was made): one round trip instead of two. BullMQ's deduplication id (the key,
 *   kept for the dedupe TTL) dedupes, each delivery proposes a job id of its own, and `add` answers with the first
 *   delivery's id for a duplicate. A late add that landed after a timeout makes the retry a duplicate, truly so.
 */
export async function deliverToQueue(
  queue: CallbackQueue,
  callback: QueuedCallback,
  claimed: boolean | undefined,
  options: EnqueueOptions,
): Promise<QueueAnswer> {
  if (claimed === true) {
    await enqueueCallback(queue, callback, options);
    return 'received';
  }
  if (claimed === false) {
    const job = await bounded(callback.key, () => queue.getJob(jobIdOf(callback.key)), options.timeoutMs);
    if (job !== undefined && job !== null) return 'duplicate';
    await enqueueCallback(queue, callback, options);
    return 'received';
  }
  const proposed = uniqueJobIdOf(callback.key, callback.receivedAt);
  const jobOptions = {
    ...unsetDefaults(queue, options.dedupeTtlMs),
    jobId: proposed,
    deduplication: { id: jobIdOf(callback.key), ttl: options.dedupeTtlMs },
  };
  const job = await bounded(callback.key, () => queue.add(JOB_NAME, jobDataOf(callback), jobOptions), options.timeoutMs);
  return job.id === proposed ? 'received' : 'duplicate';
}

/** Bounds a queue call: a paused or unreachable server must turn into a 503 for the sender, not a hung request. */
async function bounded<T>(key: string, call: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (error) {
    throw new QueueError(key, error);
  } finally {
    clearTimeout(timer);
  }
}
