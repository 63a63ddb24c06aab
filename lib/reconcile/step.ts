import type { JsonObject } from '../classify.js';
import type { IncomingBody } from '../pipeline.js';
import type { PollApi } from './families.js';
import type { ResolvedReconcile } from './options.js';
import { ReconcileError } from './errors.js';
import { pollOnce, type TaskSpacing } from './poll.js';

/** What an expected task is, wherever it is kept (in memory or in a BullMQ job's data). */
export interface Expectation {
  taskId: string;
  kind: string;
  api: PollApi;
  /** Epoch ms: when the final callback was due (`expect()` plus `afterSeconds`). */
  expectedAt: number;
  /** Epoch ms: when to give up with `task-timeout`. */
  deadline: number;
  /** Failed polls in a row (429, 5xx, refusals), for the backoff. */
  failures: number;
}

/** Where a poll's result goes: the pipeline's trusted entrance (same classification, dedupe key and dispatch). */
export type Accept = (body: IncomingBody, kindHint: string) => Promise<{ status: number }>;

export type Next = { done: true } | { done: false; delayMs: number; failures: number };

const MAX_BACKOFF_MS = 15 * 60 * 1000;

/** Exponential from `everySeconds`, never sooner than the server asked. */
export function backoffMs(everyMs: number, failures: number, retryAfterMs = 0): number {
  const exponential = Math.min(everyMs * 2 ** Math.max(0, failures - 1), Math.max(everyMs, MAX_BACKOFF_MS));
  return Math.max(exponential, retryAfterMs);
}

function again(config: ResolvedReconcile): Next {
  return { done: false, delayMs: config.everyMs, failures: 0 };
}

function backOff(config: ResolvedReconcile, expectation: Expectation, retryAfterMs?: number): Next {
  const failures = expectation.failures + 1;
  return { done: false, delayMs: backoffMs(config.everyMs, failures, retryAfterMs), failures };
}

/**
 * One poll of one expected task, and what it led to. A finished task goes through `accept` (where the callback would
 * have gone); a 503 from there (store down, overloaded) is polled again later like a 5xx from the provider.
 */
export async function pollStep(
  config: ResolvedReconcile,
  expectation: Expectation,
  accept: Accept,
  report: (error: ReconcileError) => void,
  spacing?: TaskSpacing,
): Promise<Next> {
  const { taskId, kind, api } = expectation;
  const outcome = await pollOnce(config, taskId, kind, api, spacing);
  switch (outcome.state) {
    case 'running':
      return again(config);
    case 'retry':
      return backOff(config, expectation, outcome.retryAfterMs);
    case 'refused':
      // A refused key will not fix itself, but the user may rotate it: say so, and keep trying until the deadline.
      if (outcome.code === 401 || outcome.code === 403) {
        report(new ReconcileError(taskId, kind, `the provider refused the query (${outcome.code}): ${outcome.message}`));
      }
      return backOff(config, expectation);
    case 'progress': {
      const answer = await accept({ type: 'parsed', value: outcome.body }, kind);
      return answer.status === 503 ? backOff(config, expectation) : again(config);
    }
    case 'finished':
      return settle(config, expectation, await accept({ type: 'parsed', value: outcome.body }, kind), report);
    case 'malformed': {
      // Like a callback that is not even JSON: reported once as `unrecognized`, with the task id and the raw text. A
      // body without `code` fits no family, so it takes that road through the same dedupe.
      const body: JsonObject = { task_id: taskId, raw: outcome.raw };
      return settle(config, expectation, await accept({ type: 'parsed', value: body }, kind), report);
    }
  }
}

function settle(
  config: ResolvedReconcile,
  expectation: Expectation,
  answer: { status: number },
  report: (error: ReconcileError) => void,
): Next {
  if (answer.status === 200) return { done: true };
  if (answer.status === 503) return backOff(config, expectation);
  report(new ReconcileError(expectation.taskId, expectation.kind, `the polled result was refused with ${answer.status}`));
  return { done: true };
}
