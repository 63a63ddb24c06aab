import { CALLBACK_KINDS, type CallbackKind } from '../classify.js';
import type { TaskTimeoutEvent } from '../events.js';
import type { Logger } from '../options.js';
import { received } from '../option-checks.js';
import { LEGACY_FAMILIES, type PollApi } from './families.js';
import { MemoryScheduler, type SchedulerHooks } from './memory-scheduler.js';
import type { ResolvedReconcile } from './options.js';
import { TaskSpacing } from './poll.js';
import type { ReconcileError } from './errors.js';
import type { Accept, Expectation } from './step.js';

/** What `suno.expect()` takes besides the task id. */
export interface ExpectOptions {
  /** The family of the task, as in event `kind`s: `music`, `lyrics`, `cover`, `wav`, `stems`, `midi`, `video`, ... */
  kind: CallbackKind;
  /**
   * The API the task was created with: `'legacy'` (the per-family endpoints, polled at their `record-info`) or
   * `'market'` (kie.ai `jobs/createTask`, polled at `jobs/recordInfo`). @default 'legacy'
   */
  api?: 'legacy' | 'market' | undefined;
}

/** Where expectations are kept: in memory, or as BullMQ delayed jobs. */
export interface Scheduler {
  add(expectation: Expectation): void | Promise<void>;
  cancel(taskId: string): void | Promise<void>;
  close(): Promise<void>;
}

/** Stages after which the provider sends nothing more for a task. */
const PROGRESS_STAGES = new Set(['text', 'first']);
const MAX_TASK_ID_LENGTH = 256;

export function taskTimeoutEvent(expectation: Expectation): TaskTimeoutEvent {
  // The kind was checked against the families when the task was expected.
  return { kind: expectation.kind as CallbackKind, taskId: expectation.taskId, expectedAt: new Date(expectation.expectedAt) };
}

/** Checks `expect()`'s arguments like options: a `TypeError` naming what is wrong. */
export function checkExpect(taskId: unknown, options: unknown): { taskId: string; kind: string; api: PollApi } {
  if (typeof taskId !== 'string' || taskId === '' || taskId.length > MAX_TASK_ID_LENGTH) {
    throw new TypeError(`expect() takes the task id as a non-empty string; received ${received(taskId)}.`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`expect() takes { kind, api? } after the task id; received ${received(options)}.`);
  }
  const { kind, api = 'legacy' } = options as { kind?: unknown; api?: unknown };
  if (api !== 'legacy' && api !== 'market') {
    throw new TypeError(`\`api\` must be 'legacy' or 'market'; received ${received(api)}.`);
  }
  // Market jobs of every family share one endpoint; the legacy API has one per family.
  const known: readonly string[] = api === 'legacy' ? Object.keys(LEGACY_FAMILIES) : CALLBACK_KINDS;
  if (typeof kind !== 'string' || !known.includes(kind)) {
    throw new TypeError(`\`kind\` must be one of ${known.join(', ')} for the ${api} API; received ${received(kind)}.`);
  }
  return { taskId, kind, api };
}

/** `suno.expect()`: remembers tasks, polls the ones whose final callback is late, and forgets the ones that called back. */
export class Reconciler {
  readonly spacing = new TaskSpacing();
  private readonly scheduler: Scheduler;

  constructor(
    readonly config: ResolvedReconcile,
    hooks: SchedulerHooks,
    makeScheduler?: (config: ResolvedReconcile, hooks: SchedulerHooks, spacing: TaskSpacing) => Scheduler,
  ) {
    this.scheduler = makeScheduler?.(config, hooks, this.spacing) ?? new MemoryScheduler(config, hooks, this.spacing);
  }

  async expect(taskId: unknown, options: unknown): Promise<void> {
    const checked = checkExpect(taskId, options);
    const now = Date.now();
    await this.scheduler.add({
      ...checked,
      expectedAt: now + this.config.afterMs,
      deadline: now + this.config.giveUpMs,
      failures: 0,
    });
  }

  /** Told of every accepted callback: a final one settles its task. */
  accepted(taskId: string, stage: string, logger: Logger): void {
    if (PROGRESS_STAGES.has(stage)) return;
    Promise.resolve(this.scheduler.cancel(taskId)).catch((error: unknown) => {
      logger.error(`[suno-callbacks] could not cancel the expectation of task ${taskId}`, error);
    });
  }

  /** In-memory schedulers only: whether `taskId` is still expected. */
  get memory(): MemoryScheduler | undefined {
    return this.scheduler instanceof MemoryScheduler ? this.scheduler : undefined;
  }

  close(): Promise<void> {
    return this.scheduler.close();
  }
}

export type { Accept, ReconcileError, SchedulerHooks };
