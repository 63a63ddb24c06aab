import pRetry from 'p-retry';
import { ListenerError } from './errors.js';
import type { CallbackEvent, SunoEventMap, SunoEventName, SunoListener, UnrecognizedEvent } from './events.js';
import { Limiter } from './limiter.js';
import type { Logger, ResolvedOptions } from './options.js';
import { noTelemetry, type Telemetry } from './telemetry/telemetry.js';

type AnyListener = (event: never) => unknown;
type NotificationName = 'duplicate' | 'rejected' | 'error' | 'task-timeout';

/** Holds the listeners and runs them: accepted callbacks with retries, notifications once. */
export class Dispatcher {
  private readonly listeners = new Map<SunoEventName, Set<AnyListener>>();
  private readonly limiter: Limiter;

  constructor(
    private readonly retry: ResolvedOptions['retry'],
    concurrency: number,
    private readonly logger: Logger,
    private readonly listenerTimeoutMs: number = Infinity,
    private readonly telemetry: Telemetry = noTelemetry,
  ) {
    this.limiter = new Limiter(concurrency);
  }

  on<E extends SunoEventName>(name: E, listener: SunoListener<E>): void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as AnyListener);
  }

  off<E extends SunoEventName>(name: E, listener: SunoListener<E>): void {
    this.listeners.get(name)?.delete(listener as AnyListener);
  }

  /**
   * Runs every listener of `names` for one accepted callback, each with its own retries, so one listener's failure
   * neither stops nor repeats the others. Resolves with the listeners that failed every attempt; never rejects.
   */
  async run(event: CallbackEvent | UnrecognizedEvent, names: readonly SunoEventName[]): Promise<ListenerError[]> {
    const runs: Array<Promise<ListenerError | undefined>> = [];
    this.telemetry.processing(event.receivedAt);
    for (const name of names) {
      for (const listener of this.listeners.get(name) ?? []) {
        runs.push(this.runWithRetries(listener as (event: unknown) => unknown, event, name));
      }
    }
    const outcomes = await Promise.all(runs);
    return outcomes.filter((outcome): outcome is ListenerError => outcome !== undefined);
  }

  private async runWithRetries(
    listener: (event: unknown) => unknown,
    event: CallbackEvent | UnrecognizedEvent,
    name: SunoEventName,
  ): Promise<ListenerError | undefined> {
    let attempts = 0;
    const attempt = (): Promise<void> =>
      this.limiter.run(async () => {
        attempts += 1;
        // The default telemetry records nothing: skip even the info object on the hot path.
        if (this.telemetry === noTelemetry) {
          await this.bounded(listener(event), name);
          return;
        }
        const info = { listenerFor: name, attempt: attempts, key: event.key, kind: event.kind, taskId: event.taskId };
        await this.telemetry.attempt(info, () => this.bounded(listener(event), name));
      });
    const started = performance.now();
    try {
      // Nearly every listener succeeds at once, and p-retry's set-up costs several µs per call (it ranked among the
      // top self-time functions in a profile of the benchmark): only a failure pays for it.
      await attempt();
      return undefined;
    } catch (firstFailure) {
      try {
        // p-retry takes the first failure as its own first attempt, so it decides exactly as if it had run it: no
        // retry after a TypeError or an AbortError, the same delays, and maxRetryTime counted from the first attempt.
        await pRetry((attemptNumber) => (attemptNumber === 1 ? Promise.reject(firstFailure) : attempt()), this.retryOptions(started));
        return undefined;
      } catch (cause) {
        this.telemetry.listenerFailed(name);
        return new ListenerError(event, name, attempts, cause);
      }
    }
  }

  /**
   * An attempt that outlives `listenerTimeoutMs` counts as failed: a listener that never settles would otherwise hold
   * its concurrency slot and its pending count forever, and `close()` with them. Its promise is left to settle alone.
   */
  private bounded(result: unknown, name: SunoEventName): unknown {
    if (!(result instanceof Promise) || this.listenerTimeoutMs === Infinity) return result;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the "${name}" listener did not settle within ${this.listenerTimeoutMs} ms`)),
        this.listenerTimeoutMs,
      );
    });
    // A late rejection of the abandoned attempt must not surface as an unhandled rejection.
    result.catch(() => undefined);
    return Promise.race([result, timeout]).finally(() => clearTimeout(timer));
  }

  private retryOptions(firstAttemptStarted: number): ResolvedOptions['retry'] {
    const { maxRetryTime } = this.retry;
    if (maxRetryTime === undefined) return this.retry;
    return { ...this.retry, maxRetryTime: Math.max(0, maxRetryTime - (performance.now() - firstAttemptStarted)) };
  }

  /** Tells listeners of `duplicate`, `rejected` or `error`; a throwing listener is logged, never retried. */
  notify<E extends NotificationName>(name: E, event: SunoEventMap[E]): void {
    const set = this.listeners.get(name);
    if (set === undefined || set.size === 0) {
      if (name === 'error') this.logger.error(`[suno-callbacks] ${(event as Error).message}`);
      return;
    }
    for (const listener of set) {
      try {
        const result = (listener as (event: SunoEventMap[E]) => unknown)(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.listenerThrew(name, error));
      } catch (error) {
        this.listenerThrew(name, error);
      }
    }
  }

  private listenerThrew(name: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error(`[suno-callbacks] a "${name}" listener threw: ${message}`);
  }
}
