import { isJsonObject, type JsonObject } from './classify.js';
import { identify } from './identify.js';
import { parseBody } from './parse-body.js';
import type { IncomingBody } from './pipeline.js';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  checkSignatureWith,
  type SignatureCheck,
  type SignatureFailure,
  type SignatureVerifier,
} from './signature-core.js';

/** Fetch `Headers`, or a plain object such as node:http's `req.headers` (names in any letter case). */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyCallbackInput {
  /** The body as received: its text or bytes, or the object a JSON parser made of it. */
  body: string | Uint8Array | object;
  headers: HeadersLike;
  /** The webhook HMAC key; several during a rotation. */
  secret: string | readonly string[];
  /** When the callback arrived, for a delivery replayed from a queue; the timestamp window is checked against it. @default now */
  receivedAt?: Date | number | undefined;
  /** Accepted clock difference, in seconds, both directions. @default 300 */
  toleranceSeconds?: number | undefined;
}

export type VerifyResult =
  | { ok: true; taskId: string; secretIndex: number }
  | { ok: false; error: SignatureFailure | 'invalid_json' | 'missing_task_id'; message: string };

function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
    if (key !== undefined) value = record[key];
  }
  return typeof value === 'string' ? value : value?.[0];
}

function toBody(body: string | Uint8Array | object): IncomingBody {
  if (typeof body === 'string') return { type: 'text', text: body };
  if (body instanceof Uint8Array) return { type: 'bytes', bytes: body };
  return { type: 'parsed', value: body };
}

function optionsError(message: string): TypeError {
  return new TypeError(`verifyCallback: ${message}`);
}

/**
 * Signature and freshness of one callback, with the HMAC of the given platform: the shared half of the
 * `verifyCallback` each door exports (node:crypto in the Express door, Web Crypto in the web door).
 */
export function verifyCallbackWith(
  makeVerifier: (secrets: readonly string[]) => SignatureVerifier,
  input: VerifyCallbackInput,
): VerifyResult | Promise<VerifyResult> {
  const secrets = typeof input.secret === 'string' ? [input.secret] : [...input.secret];
  if (secrets.length === 0 || !secrets.every((secret) => typeof secret === 'string' && secret !== '')) {
    throw optionsError('`secret` must be a non-empty string or an array of non-empty strings.');
  }
  const now = input.receivedAt === undefined ? Date.now() : new Date(input.receivedAt).getTime();
  if (Number.isNaN(now)) throw optionsError('`receivedAt` must be a valid Date or milliseconds since the epoch.');
  const toleranceSeconds = input.toleranceSeconds ?? 300;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 1) {
    throw optionsError(`\`toleranceSeconds\` must be a number of at least 1; received ${String(input.toleranceSeconds)}.`);
  }
  const parsed = parseBody(toBody(input.body));
  if ('error' in parsed ? parsed.error === 'empty' : !isJsonObject(parsed.value)) {
    return { ok: false, error: 'invalid_json', message: 'The body is not a JSON object.' };
  }
  const invalidJson = 'text' in parsed;
  // The provider signs `<taskId>.<timestamp>`: the task id comes from the body, found as the receivers find it (in
  // the text, when it is not valid JSON: an authentic callback is never refused for its body alone).
  const identified = identify('text' in parsed ? parsed.text : ((parsed as { value: JsonObject }).value), undefined, { invalidJson });
  if (identified === undefined) {
    return invalidJson
      ? { ok: false, error: 'invalid_json', message: 'The body is not valid JSON and has no task id.' }
      : { ok: false, error: 'missing_task_id', message: 'No task id in data.task_id, data.taskId, taskId or task_id.' };
  }
  const { taskId } = identified;
  const check = checkSignatureWith(makeVerifier(secrets), {
    taskId,
    timestamp: headerValue(input.headers, TIMESTAMP_HEADER),
    signature: headerValue(input.headers, SIGNATURE_HEADER),
    toleranceSeconds,
    now,
  });
  const toResult = (result: SignatureCheck): VerifyResult =>
    result.ok ? { ok: true, taskId, secretIndex: result.secretIndex } : { ok: false, error: result.error, message: result.message };
  return check instanceof Promise ? check.then(toResult) : toResult(check);
}
