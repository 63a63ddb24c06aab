import type { TaskSpacing } from './poll.js';
import type { ResolvedReconcile } from './options.js';
import type { ReconcileError } from './errors.js';
import { pollStep, type Accept, type Expectation } from './step.js';

export interface SchedulerHooks {
  accept: Accept;
  /** The task neither called back nor finished by its deadline. */
  timeout(expectation: Expectation): Promise<void>;
  report(error: ReconcileError): void;
  logError(message: string, error: unknown): void;
}

interface Entry {
  expectation: Expectation;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
}

/**
 * Expectations kept in this process: timers, no storage. A restart forgets every expectation not yet settled (the
 * README says so); use the `queue` option to keep them in BullMQ instead.
 */
export class MemoryScheduler {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    private readonly config: ResolvedReconcile,
    private readonly hooks: SchedulerHooks,
    private readonly spacing: TaskSpacing,
  ) {}

  /** Starts expecting; a task already expected keeps its first schedule. */
  add(expectation: Expectation): void {
    if (this.closed) throw new Error('expect() after close(): the middleware is closed');
    if (this.entries.has(expectation.taskId)) return;
    const entry: Entry = { expectation, timer: undefined, running: undefined };
    this.entries.set(expectation.taskId, entry);
    this.arm(entry, expectation.expectedAt - Date.now());
  }

  /** Stops expecting `taskId` (its final callback arrived); a poll already under way finishes and is deduped. */
  cancel(taskId: string): void {
    const entry = this.entries.get(taskId);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.entries.delete(taskId);
    this.spacing.forget(taskId);
  }

  /** Expected tasks not settled yet. */
  get size(): number {
    return this.entries.size;
  }

  has(taskId: string): boolean {
    return this.entries.has(taskId);
  }

  async close(): Promise<void> {
    this.closed = true;
    const running: Array<Promise<void>> = [];
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      if (entry.running !== undefined) running.push(entry.running);
    }
    this.entries.clear();
    await Promise.all(running);
  }

  private arm(entry: Entry, delayMs: number): void {
    // Never past the deadline: the timeout is due then, whatever the backoff says.
    const wait = Math.max(0, Math.min(delayMs, entry.expectation.deadline - Date.now()));
    entry.timer = setTimeout(() => {
      entry.running = this.fire(entry).finally(() => {
        entry.running = undefined;
      });
    }, wait);
    // Pending expectations must not keep a process alive on their own (a CLI, a test, a shutdown).
    entry.timer.unref();
  }

  private async fire(entry: Entry): Promise<void> {
    const { expectation } = entry;
    if (this.entries.get(expectation.taskId) !== entry) return;
    try {
      // At the deadline too: one last look, so that `task-timeout` means "checked, and not finished".
      const next = await pollStep(this.config, expectation, this.hooks.accept, this.hooks.report, this.spacing);
      // Settled meanwhile (its callback arrived, or close()): nothing more to do.
      if (this.entries.get(expectation.taskId) !== entry) return;
      if (next.done) {
        this.cancel(expectation.taskId);
        return;
      }
      if (Date.now() >= expectation.deadline) {
        this.cancel(expectation.taskId);
        await this.hooks.timeout(expectation);
        return;
      }
      expectation.failures = next.failures;
      this.arm(entry, next.delayMs);
    } catch (error) {
      // Reached only by a bug; keep the expectation alive rather than losing it.
      this.hooks.logError(`[suno-callbacks] polling ${expectation.kind} task ${expectation.taskId} failed unexpectedly`, error);
      if (this.entries.get(expectation.taskId) === entry && !this.closed) this.arm(entry, this.config.everyMs);
    }
  }
}
