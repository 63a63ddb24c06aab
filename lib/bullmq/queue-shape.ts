import type { CallbackJobData } from './job-data.js';

/** BullMQ's `KeepJobs`: how many finished jobs to keep, or for how long (seconds). */
export interface JobRetention {
  age?: number;
  count?: number;
  limit?: number;
}

/** The job options this package sets; a subset of BullMQ's `JobsOptions`. */
export interface CallbackJobOptions {
  jobId?: string;
  attempts?: number;
  backoff?: number | { type: string; delay?: number; jitter?: number };
  removeOnComplete?: boolean | number | JobRetention;
  removeOnFail?: boolean | number | JobRetention;
  deduplication?: { id: string; ttl?: number };
}

/**
 * The part of a BullMQ `Queue` the web side uses, written out so that the main entry's types never import `bullmq`
 * (an optional peer). A `Queue` on either backend fits.
 */
export interface CallbackQueue {
  readonly name: string;
  /** What the user set on their `Queue`; the package's defaults fill only what is unset. */
  readonly defaultJobOptions: Readonly<{ [option in keyof CallbackJobOptions]?: unknown }>;
  add(name: string, data: CallbackJobData, opts?: CallbackJobOptions): Promise<{ id?: string | undefined }>;
  getJob(jobId: string): Promise<unknown>;
}
