import { received } from '../option-checks.js';
import type { SunoEventName } from '../events.js';
import type { CallbackQueue } from './queue-shape.js';

/**
 * Checks the middleware's `queue` option once, in the factory. Only the shape is checked (an `add` and a `getJob`
 * method): the queue may sit on either BullMQ backend, and the main entry must not load `bullmq` to find out.
 */
export function resolveQueueOption(value: unknown, others: { processBeforeAck: boolean }): CallbackQueue | undefined {
  if (value === undefined) return undefined;
  const candidate = value as Partial<Record<keyof CallbackQueue, unknown>> | null;
  if (typeof value !== 'object' || candidate === null || typeof candidate.add !== 'function' || typeof candidate.getJob !== 'function') {
    throw new TypeError(
      `\`queue\` must be a BullMQ Queue (new Queue(name, { connection }) from 'bullmq'); received ${received(value)}.`,
    );
  }
  if (others.processBeforeAck) {
    throw new TypeError(
      '`queue` and `processBeforeAck` do not go together: with `queue` the listeners run on a worker, and the answer ' +
        'waits only until the queue has the callback. Remove `processBeforeAck`.',
    );
  }
  return value as CallbackQueue;
}

/** Events that still fire on the middleware when `queue` is set: they happen on the web side. */
const WEB_SIDE_EVENTS: ReadonlySet<SunoEventName> = new Set<SunoEventName>(['duplicate', 'rejected', 'error']);

/** With `queue`, a callback listener on the middleware would never run: say so at once, not never. */
export function assertWebSideListener(name: SunoEventName): void {
  if (WEB_SIDE_EVENTS.has(name)) return;
  throw new TypeError(
    `\`suno.on('${String(name).slice(0, 40)}')\`: with the \`queue\` option, callback listeners belong on a worker ` +
      "(sunoWorker from 'suno-callbacks/bullmq'). On the middleware, only 'duplicate', 'rejected' and 'error' fire.",
  );
}
