import { isCallbackKind, isJsonObject, type CallbackKind, type JsonObject } from '../classify.js';

/** The job name every callback job carries; BullMQ dashboards group by it. */
export const JOB_NAME = 'suno-callback';

/**
 * What a job carries: exactly what a worker needs to rebuild the typed event through the same normalisation the
 * middleware uses. Versioned, so a worker of a later release can still read jobs queued by an earlier one.
 */
export interface CallbackJobData {
  v: 1;
  /** The parsed JSON body, or the raw text when the body was not JSON. */
  body: JsonObject | string;
  /** The `:kind` segment of the path, when it named a known family. */
  hint: CallbackKind | null;
  /** When the middleware received the callback, in milliseconds since the epoch. */
  receivedAt: number;
  /** The request's trace context (`telemetry.injectContext()`), so a worker's spans join the request's trace. */
  trace?: Record<string, string>;
}

/** The callback as the web side hands it to the queue. */
export interface QueuedCallback {
  /** The dedupe key, `<kind>:<taskId>:<stage>`. */
  key: string;
  body: JsonObject | string;
  hint: CallbackKind | undefined;
  receivedAt: Date;
  trace?: Record<string, string> | undefined;
}

export function jobDataOf(callback: QueuedCallback): CallbackJobData {
  const data: CallbackJobData = { v: 1, body: callback.body, hint: callback.hint ?? null, receivedAt: callback.receivedAt.getTime() };
  // Empty without a telemetry provider: nothing is stored then.
  if (callback.trace !== undefined && Object.keys(callback.trace).length > 0) data.trace = callback.trace;
  return data;
}

function traceOf(value: unknown): Record<string, string> | undefined {
  if (!isJsonObject(value)) return undefined;
  const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return Object.fromEntries(entries);
}

/** Reads a job's data back; `undefined` for anything this release did not write (the caller reports it). */
export function readJobData(data: unknown): CallbackJobData | undefined {
  if (!isJsonObject(data) || data.v !== 1) return undefined;
  const { body, hint, receivedAt } = data;
  if (!(typeof body === 'string' || isJsonObject(body))) return undefined;
  if (!(hint === null || (typeof hint === 'string' && isCallbackKind(hint)))) return undefined;
  if (typeof receivedAt !== 'number' || !Number.isFinite(receivedAt)) return undefined;
  const read: CallbackJobData = { v: 1, body, hint, receivedAt };
  const trace = traceOf(data.trace);
  if (trace !== undefined) read.trace = trace;
  return read;
}
