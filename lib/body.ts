import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorAnswer, type Answer } from './answers.js';
import type { ByteBudget } from './byte-budget.js';
import { checkMediaTypeHeaders } from './media-type.js';
import type { IncomingBody } from './pipeline.js';

/**
 * After an early answer, what is still read (and discarded) so that the sender sees the answer, not a reset. A 413
 * goes to a sender whose body is large by definition; any other early answer to a body that is still coming is for
 * a stranger or a misconfigured sender, whose callback bodies are small.
 */
const DRAIN_TOO_LARGE_BYTES = 8 * 1024 * 1024;
const DRAIN_BYTES = 256 * 1024;
const DRAIN_MS = 5000;

/** 415 unless the request says it is JSON (or says nothing: some senders omit the header). */
export function checkMediaType(req: IncomingMessage): Answer | undefined {
  return checkMediaTypeHeaders(req.headers['content-type'], req.headers['content-encoding']);
}

function tooLarge(limit: number): Answer {
  return errorAnswer(413, 'body_too_large', `The body is larger than ${limit} bytes.`);
}

function timedOut(limitMs: number): Answer {
  // The connection closes after this answer: a sender that stalled mid-body cannot be resynchronised.
  const answer = errorAnswer(408, 'body_timeout', `The body did not arrive within ${limitMs} ms.`);
  answer.headers = { Connection: 'close' };
  return answer;
}

function overloaded(): Answer {
  return errorAnswer(503, 'overloaded', 'Too many unauthenticated bodies are being received; retry later.');
}

function serialisedBytes(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return 0;
  }
}

/** A stream nobody can read any more: a parser already took it, or the client went away. */
function consumed(req: IncomingMessage): boolean {
  return req.readableEnded || req.destroyed || (req.complete && !req.readable);
}

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
  /** Shared by every request being read; the bytes taken are given back by `release` of the result. */
  budget: ByteBudget;
}

export interface BodyRead {
  result: IncomingBody | Answer;
  /** Gives the bytes this body took from the shared budget back; call once the request is authenticated or done. */
  release: () => void;
}

const NOTHING_TAKEN = (): void => undefined;

function parsedBody(req: IncomingMessage & { body?: unknown }, limit: number, declared: number): IncomingBody | Answer {
  const parsed = req.body;
  if (Buffer.isBuffer(parsed)) return parsed.length > limit ? tooLarge(limit) : { type: 'bytes', bytes: parsed };
  if (typeof parsed === 'string') return Buffer.byteLength(parsed) > limit ? tooLarge(limit) : { type: 'text', text: parsed };
  if (parsed !== undefined) {
    // A chunked body declares no length: measure what the parser made of it instead (rare, so the cost is fine).
    if (!Number.isFinite(declared) && serialisedBytes(parsed) > limit) return tooLarge(limit);
    return { type: 'parsed', value: parsed };
  }
  return { type: 'bytes', bytes: Buffer.alloc(0) };
}

/**
 * The body of a callback request, wherever it is. A body parser that ran before us left its result in `req.body`;
 * otherwise the raw stream is read here: never more than `maxBytes`, never longer than `timeoutMs`, never past the
 * shared budget of unauthenticated bytes, and never waited on once it has ended.
 */
export function readBody(req: IncomingMessage & { body?: unknown }, limits: BodyLimits): Promise<BodyRead> {
  const { maxBytes, timeoutMs, budget } = limits;
  // Before the parser check: a parser with a larger limit of its own leaves a parsed object whose size is known only
  // from this header, and `maxBodyBytes` holds whoever read the body.
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ result: tooLarge(maxBytes), release: NOTHING_TAKEN });
  if (consumed(req)) return Promise.resolve({ result: parsedBody(req, maxBytes, declared), release: NOTHING_TAKEN });

  // A declared length is reserved whole, so a crowd of large bodies is refused before any of them is buffered.
  let taken = 0;
  if (Number.isFinite(declared) && declared > 0) {
    if (!budget.take(declared)) return Promise.resolve({ result: overloaded(), release: NOTHING_TAKEN });
    taken = declared;
  }
  const release = (): void => {
    budget.give(taken);
    taken = 0;
  };

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => finish(timedOut(timeoutMs)), timeoutMs);
    const finish = (result: IncomingBody | Answer): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if ('status' in result) {
        chunks.length = 0;
        release();
      }
      resolve({ result, release });
    };
    const onData = (data: Buffer | string): void => {
      // A middleware before us may have called req.setEncoding(): Buffer.concat would then throw inside 'end'.
      const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      size += chunk.length;
      if (size > maxBytes) {
        finish(tooLarge(maxBytes));
        return;
      }
      // Bytes beyond what was declared (a chunked body) are taken as they come.
      if (size > taken) {
        const more = size - taken;
        if (!budget.take(more)) {
          finish(overloaded());
          return;
        }
        taken += more;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ type: 'bytes', bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
    const onError = (): void => finish(errorAnswer(400, 'invalid_json', 'The body could not be read.'));
    // 'close' without 'end': the client aborted mid-body.
    const onClose = (): void => finish(errorAnswer(400, 'invalid_json', 'The body ended early.'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    // A 'data' listener does not restart a stream that someone paused explicitly; without this we would wait forever.
    req.resume();
  });
}

/**
 * After an answer sent before the whole body was read (401, 413, 503), reads and discards what the sender is still
 * sending, within a bound, then closes. Closing at once would make the kernel reset a connection with unread bytes,
 * and a sender still writing would see the reset instead of our answer.
 */
export function drainAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || req.destroyed) return;
  const limit = res.statusCode === 413 ? DRAIN_TOO_LARGE_BYTES : DRAIN_BYTES;
  let drained = 0;
  const stop = (): void => {
    clearTimeout(timer);
    req.off('data', count);
    if (!req.complete) req.socket.destroy();
  };
  const count = (chunk: Buffer | string): void => {
    drained += chunk.length;
    if (drained > limit) stop();
  };
  const timer = setTimeout(stop, DRAIN_MS);
  timer.unref();
  req.on('data', count);
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
  // Node dumps an unread body after the answer, dropping 'data' listeners: count again from then on.
  res.once('finish', () => {
    if (!req.complete && req.listenerCount('data') === 0) req.on('data', count);
  });
}
