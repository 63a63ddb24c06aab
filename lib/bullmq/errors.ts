import { SunoCallbackError } from '../errors.js';
import type { CallbackEvent, UnrecognizedEvent } from '../events.js';

/** Adding a callback to the queue failed or timed out; the sender was told to retry (503 `store_unavailable`). */
export class QueueError extends SunoCallbackError {
  /** The dedupe key of the callback. */
  readonly key: string;

  constructor(key: string, cause: unknown) {
    super('ERR_SUNO_QUEUE', `Could not add ${key} to the queue: ${describe(cause)}`, { cause });
    this.key = key;
  }
}

/**
 * A queued callback failed its last attempt: the job stays in BullMQ's failed set, and
 * `suno-callbacks replay <key>` runs it again.
 */
export class DeliveryFailedError extends SunoCallbackError {
  /** The event the listeners failed on; `undefined` when the job's data could not be read at all. */
  readonly event: CallbackEvent | UnrecognizedEvent | undefined;
  /** The dedupe key (the job id, decoded). */
  readonly key: string;
  /** Attempts made, all failed. */
  readonly attemptsMade: number;

  constructor(key: string, event: CallbackEvent | UnrecognizedEvent | undefined, attemptsMade: number, cause: unknown) {
    super('ERR_SUNO_DELIVERY', `Delivery of ${key} failed ${attemptsMade} time(s), the last with: ${describe(cause)}`, {
      cause,
    });
    this.key = key;
    this.event = event;
    this.attemptsMade = attemptsMade;
  }
}

function describe(cause: unknown): string {
  if (cause instanceof AggregateError) return cause.errors.map(describe).join('; ');
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
