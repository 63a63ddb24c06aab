import type { AnswerCode } from './answer-codes.js';

/** What the receiver knows about a refusal beyond its code, for a hint that names the fix. */
export interface RejectionDetail {
  /** `X-Webhook-Timestamp` minus this host's clock, in seconds (positive: the sender is ahead). */
  skewSeconds?: number | undefined;
}

/**
 * What would most likely fix a refusal, for the operator reading the log. The answer to the sender stays short and
 * generic; this text is only logged and put on the `rejected` event, and never echoes what the sender sent.
 */
const HINTS: Record<AnswerCode, string | undefined> = {
  invalid_json: 'send a JSON body (was it empty or cut short by a proxy?)',
  invalid_payload: 'the body is JSON but not a Suno callback: check what is posted to this URL',
  missing_task_id: 'no task id in data.task_id, data.taskId, taskId or task_id: is this a Suno callback?',
  missing_signature:
    'the request is unsigned: set the webhook HMAC key in the provider dashboard, or authenticate with `token` instead',
  invalid_signature:
    "the secret differs from the signer's: copy the webhook HMAC key from the provider dashboard into `secret`",
  stale_timestamp: 'X-Webhook-Timestamp is not a Unix time in seconds',
  invalid_token: 'the `token` query parameter of the callBackUrl differs from the `token` option',
  replayed_signature: 'a signature was reused with another body: a forgery, or a sender that re-signs nothing',
  body_timeout: 'the body arrived too slowly: raise `bodyTimeoutMs`, or check a proxy in front that holds bodies back',
  method_not_allowed: 'send POST; a GET here is usually a browser or a health check pointed at the callback path',
  body_too_large: 'raise `maxBodyBytes` (and the limit of any body parser mounted before the middleware)',
  unsupported_media_type: 'send application/json (UTF-8, not compressed)',
  handler_failed: 'a listener failed with `processBeforeAck` on: see the `error` event',
  store_unavailable: 'the dedupe store does not answer in `storeTimeoutMs`: check the Redis or PostgreSQL server',
  overloaded: 'listeners fall behind: raise `concurrency` or `maxPending`, or deliver through a queue',
  // Both are part of normal operation: a shutdown in progress, a redelivery racing its first delivery.
  shutting_down: undefined,
  in_progress: undefined,
  internal_error: 'a bug in suno-callbacks: please report it with the error logged just before',
};

/** The hint for a refusal, or undefined when there is nothing to fix. */
export function rejectionHint(code: string, detail: RejectionDetail = {}): string | undefined {
  if (code === 'stale_timestamp' && detail.skewSeconds !== undefined) {
    const seconds = Math.abs(detail.skewSeconds);
    const direction = detail.skewSeconds > 0 ? 'ahead of' : 'behind';
    return `clock off by ${seconds} s (the sender is ${direction} this host): sync this host's clock (NTP), or raise \`toleranceSeconds\``;
  }
  return Object.hasOwn(HINTS, code) ? HINTS[code as AnswerCode] : undefined;
}
