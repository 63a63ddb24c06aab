import { isJsonObject } from '../classify.js';
import type { PollApi } from './families.js';
import type { Scheduler } from './reconciler.js';
import type { Expectation } from './step.js';

/** The job name of an expected task; a worker that sees it polls (see `processExpectJob`). */
export const EXPECT_JOB_NAME = 'suno-expect';

/** What an expectation job carries: the expectation, and the cadence the web side was configured with. No key. */
export interface ExpectJobData {
  v: 1;
  taskId: string;
  kind: string;
  api: PollApi;
  expectedAt: number;
  deadline: number;
  failures: number;
  everyMs: number;
}

/** The part of a BullMQ `Queue` the web side uses for expectations (either backend fits). */
export interface ExpectQueue {
  add(
    name: string,
    data: ExpectJobData,
    opts: { jobId: string; delay: number; removeOnComplete: boolean; removeOnFail: { age: number } },
  ): Promise<unknown>;
  /** Resolves 0 when the job is running (locked) or gone, 1 when it was removed. */
  remove(jobId: string): Promise<number>;
}

/**
 * One job per task: its id is derived from the task id, so expecting a task twice is a no-op. BullMQ refuses `:` in
 * custom ids and ids that read as integers, hence the prefix and the escaping.
 */
export function expectJobId(taskId: string): string {
  return `suno-expect-${encodeURIComponent(taskId)}`;
}

export function readExpectJobData(data: unknown): ExpectJobData | undefined {
  if (!isJsonObject(data) || data.v !== 1) return undefined;
  const { taskId, kind, api, expectedAt, deadline, failures, everyMs } = data;
  const numbers = [expectedAt, deadline, failures, everyMs];
  if (typeof taskId !== 'string' || typeof kind !== 'string' || (api !== 'legacy' && api !== 'market')) return undefined;
  if (!numbers.every((value) => typeof value === 'number' && Number.isFinite(value))) return undefined;
  return data as unknown as ExpectJobData;
}

/** Failed expectation jobs (a bug, a worker without `reconcile`) stay inspectable for a week. */
const FAILED_RETENTION_SECONDS = 7 * 24 * 60 * 60;

/**
 * Expectations as BullMQ delayed jobs in the callback queue: they survive restarts, and any worker takes them when
 * they are due. The worker polls and delivers (see `processExpectJob`); this side only adds and cancels.
 */
export class QueueScheduler implements Scheduler {
  constructor(
    private readonly queue: ExpectQueue,
    private readonly everyMs: number,
  ) {}

  async add(expectation: Expectation): Promise<void> {
    const data: ExpectJobData = { v: 1, ...expectation, everyMs: this.everyMs };
    await this.queue.add(EXPECT_JOB_NAME, data, {
      jobId: expectJobId(expectation.taskId),
      delay: Math.max(0, expectation.expectedAt - Date.now()),
      removeOnComplete: true,
      removeOnFail: { age: FAILED_RETENTION_SECONDS },
    });
  }

  async cancel(taskId: string): Promise<void> {
    // A job being polled right now cannot be removed; its result is deduped against the callback.
    await this.queue.remove(expectJobId(taskId));
  }

  async close(): Promise<void> {
    // The queue is the user's: they close it.
  }
}
