import type { IncomingMessage } from 'node:http';
import type { Answer, IncomingBody } from './pipeline.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

function failure(status: number, error: string, message: string): Answer {
  return { status, body: { error, message } };
}

/** 415 unless the request says it is JSON (or says nothing: some senders omit the header). */
export function checkMediaType(req: IncomingMessage): Answer | undefined {
  const contentType = req.headers['content-type'];
  if (contentType !== undefined && contentType !== '') {
    const [mediaType = '', ...parameters] = contentType.split(';');
    if (!JSON_TYPE.test(mediaType.trim())) {
      return failure(415, 'unsupported_media_type', 'Send the callback as application/json.');
    }
    const charset = parameters
      .map((parameter) => parameter.trim().toLowerCase())
      .find((parameter) => parameter.startsWith('charset='));
    if (charset !== undefined && !/^charset="?utf-?8"?$/.test(charset)) {
      return failure(415, 'unsupported_media_type', 'Only UTF-8 JSON is accepted.');
    }
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return failure(415, 'unsupported_media_type', 'Compressed bodies are not accepted.');
  }
  return undefined;
}

function tooLarge(limit: number): Answer {
  return {
    status: 413,
    body: { error: 'body_too_large', message: `The body is larger than ${limit} bytes.` },
    // The rest of the body is not read: closing the connection keeps it from being parsed as the next request.
    headers: { Connection: 'close' },
  };
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

/**
 * The body of a callback request, wherever it is. A body parser that ran before us left its result in `req.body`;
 * otherwise the raw stream is read here, never more than `limit` bytes, and never waited on once it has ended.
 */
export function readBody(req: IncomingMessage & { body?: unknown }, limit: number): Promise<IncomingBody | Answer> {
  // Before the parser check: a parser with a larger limit of its own leaves a parsed object whose size is known only
  // from this header, and `maxBodyBytes` holds whoever read the body.
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(tooLarge(limit));

  if (consumed(req)) {
    const parsed = req.body;
    if (Buffer.isBuffer(parsed)) return Promise.resolve(parsed.length > limit ? tooLarge(limit) : { type: 'bytes', bytes: parsed });
    if (typeof parsed === 'string') {
      return Promise.resolve(Buffer.byteLength(parsed) > limit ? tooLarge(limit) : { type: 'text', text: parsed });
    }
    if (parsed !== undefined) {
      // A chunked body declares no length: measure what the parser made of it instead (rare, so the cost is fine).
      if (!Number.isFinite(declared) && serialisedBytes(parsed) > limit) return Promise.resolve(tooLarge(limit));
      return Promise.resolve({ type: 'parsed', value: parsed });
    }
    return Promise.resolve({ type: 'bytes', bytes: Buffer.alloc(0) });
  }

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: IncomingBody | Answer): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (data: Buffer | string): void => {
      // A middleware before us may have called req.setEncoding(): Buffer.concat would then throw inside 'end'.
      const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        // Keep draining (and discarding) so the client can read our answer instead of seeing a reset.
        req.resume();
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ type: 'bytes', bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
    const onError = (): void => finish(failure(400, 'invalid_json', 'The body could not be read.'));
    // 'close' without 'end': the client aborted mid-body.
    const onClose = (): void => finish(failure(400, 'invalid_json', 'The body ended early.'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    // A 'data' listener does not restart a stream that someone paused explicitly; without this we would wait forever.
    req.resume();
  });
}
