import { findTaskId, isJsonObject } from '../classify.js';
import { signatureHeaders } from '../signature.js';

export interface SignCallbackOptions {
  /** The webhook HMAC key your receiver is configured with. */
  secret: string;
  /** When the callback was "sent": Unix seconds or a Date. @default now */
  timestamp?: number | Date;
  /**
   * Sign this task id instead of the one in the body, to test a receiver against a signature for another task.
   * @default the body's task id, found exactly as the receiver finds it
   */
  taskId?: string;
}

/**
 * The two headers the provider adds to a signed callback. A type alias, not an interface, so that it fits
 * `Record<string, string>` parameters such as supertest's `.set(headers)` and fetch's `headers`.
 */
export type SignedHeaders = {
  'X-Webhook-Timestamp': string;
  'X-Webhook-Signature': string;
};

function parse(body: object | string): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  try {
    return JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch (error) {
    throw new TypeError(`signCallback: \`body\` is not valid JSON (${(error as Error).message}).`);
  }
}

function unixSeconds(timestamp: number | Date | undefined): number {
  if (timestamp === undefined) return Math.floor(Date.now() / 1000);
  if (timestamp instanceof Date) {
    const milliseconds = timestamp.getTime();
    if (Number.isNaN(milliseconds)) throw new TypeError('signCallback: `timestamp` is an invalid Date.');
    return Math.floor(milliseconds / 1000);
  }
  // 1e11 seconds is the year 5138: a larger number is almost surely Date.now() milliseconds.
  if (!Number.isSafeInteger(timestamp) || timestamp < 0 || timestamp >= 1e11) {
    throw new TypeError(
      `signCallback: \`timestamp\` must be whole Unix seconds (or a Date); received ${String(timestamp)}. ` +
        'Milliseconds? Divide by 1000.',
    );
  }
  return timestamp;
}

/**
 * The headers the provider would send with `body`: `X-Webhook-Timestamp` and `X-Webhook-Signature`, an HMAC-SHA256 of
 * `<taskId>.<timestamp>` keyed with `secret`. The task id is taken from the body in the receiver's order
 * (`data.task_id`, `data.taskId`, `taskId`, `task_id`), so the headers always fit the body they are sent with.
 *
 * @example
 * const body = fixtures.cover();
 * await request(app)
 *   .post('/suno/callback')
 *   .set(signCallback(body, { secret: process.env.SUNO_WEBHOOK_SECRET! }))
 *   .send(body)
 *   .expect(200);
 */
export function signCallback(body: object | string, options: SignCallbackOptions): SignedHeaders {
  const { secret } = options;
  if (typeof secret !== 'string' || secret === '') {
    throw new TypeError('signCallback: `secret` must be a non-empty string (the receiver\'s webhook HMAC key).');
  }
  let taskId = options.taskId;
  if (taskId === undefined) {
    const parsed = parse(body);
    if (!isJsonObject(parsed)) throw new TypeError('signCallback: `body` must be a JSON object (or its text).');
    taskId = findTaskId(parsed);
    if (taskId === undefined) {
      throw new TypeError(
        'signCallback: the body has no task id in data.task_id, data.taskId, taskId or task_id; pass `taskId` to sign one anyway.',
      );
    }
  } else if (typeof taskId !== 'string' || taskId === '') {
    throw new TypeError('signCallback: `taskId` must be a non-empty string.');
  }
  return signatureHeaders(secret, taskId, unixSeconds(options.timestamp));
}
