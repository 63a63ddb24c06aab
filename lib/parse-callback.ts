import { isCallbackKind, isJsonObject, type CallbackKind, type JsonObject } from './classify.js';
import type { CallbackEvent, UnrecognizedEvent } from './events.js';
import { buildEvent, identify, type CallbackBody } from './interpret.js';
import { parseBody } from './parse-body.js';
import { CONTROL_CHARACTER, MAX_DEPTH, MAX_TASK_ID_LENGTH, tooDeep, type IncomingBody } from './pipeline.js';

export interface ParseCallbackOptions {
  /** When the callback arrived, for a delivery replayed from a queue; becomes the event's `receivedAt`. @default now */
  receivedAt?: Date | number | undefined;
  /** The family, when the body alone cannot tell (the `:kind` path segment of the receivers). @default detected */
  kind?: CallbackKind | undefined;
}

/** Why a body could not become an event; `error` is the code the receivers answer 400 with. */
export interface ParseFailure {
  ok: false;
  error: 'invalid_json' | 'invalid_payload' | 'missing_task_id';
  message: string;
}

export type ParseResult = { ok: true; event: CallbackEvent | UnrecognizedEvent } | ParseFailure;

function failure(error: ParseFailure['error'], message: string): ParseFailure {
  return { ok: false, error, message };
}

function toBody(body: string | Uint8Array | object): IncomingBody {
  if (typeof body === 'string') return { type: 'text', text: body };
  if (body instanceof Uint8Array) return { type: 'bytes', bytes: body };
  return { type: 'parsed', value: body };
}

function receivedAtOf(value: Date | number | undefined): Date {
  if (value === undefined) return new Date();
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new TypeError(`\`receivedAt\` must be a valid Date or milliseconds since the epoch; received ${String(value)}.`);
  }
  return date;
}

/**
 * Identifies, validates and normalises one callback body into the event the receivers' listeners get, without
 * authentication, dedupe or dispatch: for bodies you read yourself or take from a queue. Check the signature first
 * with `verifyCallback`. It runs the receivers' own steps (lib/interpret.ts), so an answer here is the one they give:
 * a body that fails its family's schema is still an event, `unrecognized` with the reason in `details`.
 *
 * @example
 * const parsed = parseCallback(await request.text(), { receivedAt: job.timestamp });
 * if (parsed.ok && parsed.event.kind === 'cover') await saveImages(parsed.event.taskId, parsed.event.images);
 */
export function parseCallback(body: string | Uint8Array | object, options: ParseCallbackOptions = {}): ParseResult {
  const receivedAt = receivedAtOf(options.receivedAt);
  if (options.kind !== undefined && !isCallbackKind(options.kind)) {
    throw new TypeError(`\`kind\` must be one of the callback families; received ${JSON.stringify(options.kind)}.`);
  }
  const parsed = parseBody(toBody(body));
  if ('error' in parsed && parsed.error === 'empty') return failure('invalid_json', 'The body is empty.');
  const invalidJson = 'error' in parsed;
  if (!invalidJson) {
    if (!isJsonObject(parsed.value)) return failure('invalid_payload', 'The body must be a JSON object.');
    if (tooDeep(parsed.value)) return failure('invalid_payload', `The body is nested deeper than ${MAX_DEPTH} levels.`);
  }
  const callback: CallbackBody = invalidJson ? parsed.text : (parsed.value as JsonObject);
  const identified = identify(callback, options.kind, { invalidJson });
  if (identified === undefined) {
    if (invalidJson) return failure('invalid_json', 'The body is not valid JSON and has no task id.');
    return failure('missing_task_id', 'No task id in data.task_id, data.taskId, taskId or task_id.');
  }
  if (identified.taskId.length > MAX_TASK_ID_LENGTH) {
    return failure('invalid_payload', `The task id is longer than ${MAX_TASK_ID_LENGTH} characters.`);
  }
  if (CONTROL_CHARACTER.test(identified.taskId)) return failure('invalid_payload', 'The task id contains control characters.');
  return { ok: true, event: buildEvent(identified, callback, receivedAt).event };
}
