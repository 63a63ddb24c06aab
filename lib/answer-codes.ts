/**
 * The strings applications switch on, as types: the `error` code of every refusal the receiver answers (and reports
 * in a `rejected` event), and the store operations a `StoreError` names.
 */

/** The `error` of every answer that is not 200, and of the `rejected` event that reports it. */
export type AnswerCode =
  | 'invalid_json'
  | 'invalid_payload'
  | 'missing_task_id'
  | 'missing_signature'
  | 'invalid_signature'
  | 'stale_timestamp'
  | 'invalid_token'
  | 'replayed_signature'
  | 'body_timeout'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'handler_failed'
  | 'store_unavailable'
  | 'overloaded'
  | 'shutting_down'
  | 'in_progress'
  | 'internal_error';

/** Every answer code, for code that needs them at run time (tables, checks). */
export const ANSWER_CODES = [
  'invalid_json',
  'invalid_payload',
  'missing_task_id',
  'missing_signature',
  'invalid_signature',
  'stale_timestamp',
  'invalid_token',
  'replayed_signature',
  'body_timeout',
  'method_not_allowed',
  'body_too_large',
  'unsupported_media_type',
  'handler_failed',
  'store_unavailable',
  'overloaded',
  'shutting_down',
  'in_progress',
  'internal_error',
] as const satisfies readonly AnswerCode[];

/** The dedupe store call a `StoreError` reports. */
export type StoreOperation = 'init' | 'claim' | 'release' | 'close';

/** How one callback request ended, as telemetry and logs name it. */
export type CallbackOutcome = 'received' | 'duplicate' | `rejected:${AnswerCode}`;
