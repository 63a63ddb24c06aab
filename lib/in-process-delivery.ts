import type { Dispatcher } from './dispatcher.js';
import type { ListenerError } from './errors.js';
import type { GuardedStore } from './guarded-store.js';
import { buildEvent, type Interpreted } from './interpret.js';
import type { Accepted } from './normalize.js';
import type { Logger } from './options.js';

/** What `close()` could not finish in time. */
export interface CloseReport {
  /** True when everything finished; false when `timeoutMs` ran out first. */
  drained: boolean;
  /** Dedupe keys of the callbacks whose listeners were still running. */
  unfinished: string[];
}

/**
 * Runs accepted callbacks' listeners in this process, after the answer (or before it, with `processBeforeAck`), and
 * keeps count of them: the bound behind 503 `overloaded`, and what `close()` waits for. A callback whose listeners
 * fail every attempt has its key released, so that a redelivery runs it again.
 */
export class InProcessDelivery {
  private pending = 0;
  /** Keys whose listeners run here now. */
  private readonly active = new Set<string>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly store: GuardedStore,
    private readonly maxPending: number,
    private readonly logger: Logger,
  ) {}

  /** Callbacks accepted whose listeners have not finished. */
  get inFlight(): number {
    return this.pending;
  }

  get full(): boolean {
    return this.pending >= this.maxPending;
  }

  isRunning(key: string): boolean {
    return this.active.has(key);
  }

  /**
   * Takes a slot before the first await of a callback being recorded: close() and maxPending must count it from that
   * moment, or close() could resolve (and the owned store close) under a callback about to be accepted.
   */
  reserve(): void {
    this.pending += 1;
  }

  /** Gives back a slot reserved for a callback that was not accepted after all. */
  unreserve(): void {
    this.settle();
  }

  /** Runs the listeners of a callback whose slot is reserved; resolves true when all succeeded. Never rejects. */
  async run(accepted: Accepted, interpreted: Interpreted): Promise<boolean> {
    this.active.add(accepted.key);
    try {
      // Validation and normalisation happen here, after the answer: an authentic body that fits no schema becomes
      // `unrecognized` rather than a refusal.
      const { names, event } = buildEvent(interpreted.identified, interpreted.body, accepted.receivedAt);
      const failures: ListenerError[] = await this.dispatcher.run(event, names);
      if (failures.length === 0) return true;
      for (const failure of failures) this.dispatcher.notify('error', failure);
      await this.store.release(accepted.key);
      return false;
    } catch (error) {
      this.logger.error(`[suno-callbacks] unexpected failure while dispatching ${accepted.key}`, error);
      return false;
    } finally {
      this.active.delete(accepted.key);
      this.settle();
    }
  }

  /** Resolves once nothing is in flight, or after `timeoutMs`, saying what was left. */
  async drain(timeoutMs = Infinity): Promise<CloseReport> {
    if (this.pending > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      const timedOut =
        timeoutMs === Infinity
          ? new Promise<never>(() => undefined)
          : new Promise<void>((resolve) => {
              timer = setTimeout(resolve, timeoutMs);
            });
      await Promise.race([idle, timedOut]);
      clearTimeout(timer);
    }
    return { drained: this.pending === 0, unfinished: [...this.active] };
  }

  private settle(): void {
    this.pending -= 1;
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
