import type { JsonObject } from '../classify.js';
import type { CallbackKind } from '../classify.js';
import { deliverToQueue, type EnqueueOptions } from './enqueue.js';
import type { QueueError } from './errors.js';
import type { CallbackQueue } from './queue-shape.js';

/** How the pipeline's claim went, as the queue needs to know it. */
export type ClaimForQueue =
  /** The shared store says this delivery is the first. */
  | 'claimed'
  /** The shared store says another delivery came first. */
  | 'held'
  /**
   * Only a store local to this process was asked (the default memory store), whatever it answered: the queue alone
   * can tell whether another process queued the callback, so it dedupes by itself (one round trip either way).
   */
  | 'local';

/** What the sender is told; `unavailable` is a 503 `store_unavailable`, and the caller releases a claim it made. */
export type QueueOutcome = 'received' | 'duplicate' | 'unavailable';

/**
 * The middleware's `queue` delivery: hands each accepted callback to the queue before the answer. It imports nothing
 * from `bullmq` (the user's `Queue` is passed in), so the main entry stays free of the optional peer.
 */
export class QueueDelivery {
  private pending = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly queue: CallbackQueue,
    private readonly options: EnqueueOptions,
    private readonly report: (error: QueueError) => void,
  ) {}

  /** Adds in progress: what `close()` waits for. */
  get inFlight(): number {
    return this.pending;
  }

  async accept(
    callback: { key: string; body: JsonObject | string; hint: CallbackKind | undefined; receivedAt: Date; trace?: Record<string, string> },
    claim: ClaimForQueue,
  ): Promise<QueueOutcome> {
    this.pending += 1;
    try {
      const claimed = claim === 'claimed' ? true : claim === 'held' ? false : undefined;
      return await deliverToQueue(this.queue, callback, claimed, this.options);
    } catch (error) {
      this.report(error as QueueError);
      return 'unavailable';
    } finally {
      this.pending -= 1;
      if (this.pending === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      }
    }
  }

  /** Resolves once no add is in progress. */
  async drain(): Promise<void> {
    if (this.pending > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
