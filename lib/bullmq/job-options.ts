import type { CallbackJobOptions, CallbackQueue } from './queue-shape.js';

/**
 * Attempts of a queued callback unless the queue says otherwise. With the default backoff the last of 15 attempts
 * runs about 4.5 hours after the first (1 s doubling: 1 + 2 + ... + 8192 s), so a dependency that is down for an
 * afternoon costs nothing but delay.
 * @default 15
 */
export const DEFAULT_ATTEMPTS = 15;

/** @default { type: 'exponential', delay: 1000 } */
export const DEFAULT_BACKOFF = { type: 'exponential', delay: 1000 } as const;

/**
 * Failed jobs stay replayable as long as the provider keeps the files they point to (14 days), then make room.
 * @default { age: 14 * 24 * 3600 }
 */
export const DEFAULT_FAILED_RETENTION = { age: 14 * 24 * 3600 } as const;

type Defaulted = Pick<CallbackJobOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'>;

/**
 * The package's job options for whatever the user's `Queue` leaves unset (BullMQ itself merges the queue's
 * `defaultJobOptions` under these, so anything set here would override them).
 *
 * Completed jobs are kept for the dedupe TTL: the job is the proof that a callback was queued, and a redelivery is
 * answered `duplicate` only while that proof can be found (see `deliverToQueue`).
 */
export function unsetDefaults(queue: CallbackQueue, dedupeTtlMs: number): Defaulted {
  const set = queue.defaultJobOptions;
  const options: Defaulted = {};
  if (set.attempts === undefined) options.attempts = DEFAULT_ATTEMPTS;
  if (set.backoff === undefined) options.backoff = { ...DEFAULT_BACKOFF };
  if (set.removeOnComplete === undefined) options.removeOnComplete = { age: Math.ceil(dedupeTtlMs / 1000) };
  if (set.removeOnFail === undefined) options.removeOnFail = { ...DEFAULT_FAILED_RETENTION };
  return options;
}
