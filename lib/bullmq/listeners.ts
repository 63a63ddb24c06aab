import { EVENT_NAMES } from '../listener-checks.js';
import type { SunoEventMap, SunoEventName, SunoListener } from '../events.js';

/** Events a worker fires: every callback event, `unrecognized` and `error`. `duplicate` and `rejected` stay on the middleware. */
export type WorkerEventName = Exclude<SunoEventName, 'duplicate' | 'rejected'>;

type AnyListener = (event: never) => unknown;

// Every event of the map but the two that only a web side sees: derived, so a new event reaches workers too.
const WORKER_EVENT_NAMES: ReadonlySet<string> = new Set(EVENT_NAMES.filter((name) => name !== 'duplicate' && name !== 'rejected'));

/** The worker's listeners, by event name. */
export class Listeners {
  private readonly byName = new Map<WorkerEventName, Set<AnyListener>>();

  add<E extends WorkerEventName>(name: E, listener: SunoListener<E>): void {
    // A JavaScript caller gets no compile error for a wrong name; a listener that could never fire is a bug to report.
    const given: string = name;
    if (!WORKER_EVENT_NAMES.has(given)) {
      const where = given === 'duplicate' || given === 'rejected' ? ' (it fires on the middleware, not on a worker)' : '';
      throw new TypeError(`\`sunoWorker().on()\` got the event name ${JSON.stringify(given.slice(0, 40))}${where}.`);
    }
    if (typeof listener !== 'function') {
      throw new TypeError(`\`sunoWorker().on('${name}', listener)\` needs a function; received ${typeof listener}.`);
    }
    let set = this.byName.get(name);
    if (set === undefined) {
      set = new Set();
      this.byName.set(name, set);
    }
    set.add(listener as AnyListener);
  }

  remove<E extends WorkerEventName>(name: E, listener: SunoListener<E>): void {
    this.byName.get(name)?.delete(listener as AnyListener);
  }

  count(name: WorkerEventName): number {
    return this.byName.get(name)?.size ?? 0;
  }

  /**
   * Runs every listener of `names` once, together; resolves with those that failed. A failed attempt runs all of them
   * again, so listeners must tolerate a repeat (BullMQ's delivery is at least once).
   */
  async run(event: unknown, names: readonly WorkerEventName[]): Promise<Array<{ name: WorkerEventName; reason: unknown }>> {
    const runs: Array<Promise<{ name: WorkerEventName; reason: unknown } | undefined>> = [];
    for (const name of names) {
      for (const listener of this.byName.get(name) ?? []) {
        runs.push(
          Promise.resolve()
            .then(() => (listener as (event: unknown) => unknown)(event))
            .then(
              () => undefined,
              (reason: unknown) => ({ name, reason }),
            ),
        );
      }
    }
    const outcomes = await Promise.all(runs);
    return outcomes.filter((outcome) => outcome !== undefined);
  }

  /** Tells `error` listeners; one that throws is reported to `onThrow`, never retried. */
  notify(error: SunoEventMap['error'], onThrow: (thrown: unknown) => void): void {
    for (const listener of this.byName.get('error') ?? []) {
      try {
        const result = (listener as SunoListener<'error'>)(error);
        if (result instanceof Promise) result.catch(onThrow);
      } catch (thrown) {
        onThrow(thrown);
      }
    }
  }
}
