import { errorAnswer, type Answer } from '../answers.js';
import type { ByteBudget } from '../byte-budget.js';

export interface WebBodyLimits {
  maxBytes: number;
  timeoutMs: number;
  /** Shared by every request being read; what a body took is given back by the result's `release`. */
  budget: ByteBudget;
}

export interface WebBodyRead {
  result: Uint8Array | Answer;
  /** Gives the bytes this body took from the shared budget back; call once the callback is decided. */
  release: () => void;
}

const NOTHING_TAKEN = (): void => undefined;

function tooLarge(limit: number): Answer {
  return errorAnswer(413, 'body_too_large', `The body is larger than ${limit} bytes.`);
}

function overloaded(): Answer {
  return errorAnswer(503, 'overloaded', 'Too many unauthenticated bodies are being received; retry later.');
}

/** Stops reading a body nobody will use, without letting a cancellation failure escape. */
export function discardBody(request: Request): void {
  if (request.body !== null && !request.bodyUsed) request.body.cancel().catch(() => undefined);
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The body of a Fetch `Request`, by the Express door's rules: never more than `maxBytes` (a declared length is checked
 * before anything is read, the running count while reading), never waited on longer than `timeoutMs`, and never past
 * the budget of unauthenticated bytes that all requests share.
 */
export async function readRequestBody(request: Request, limits: WebBodyLimits): Promise<WebBodyRead> {
  const { maxBytes, timeoutMs, budget } = limits;
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discardBody(request);
    return { result: tooLarge(maxBytes), release: NOTHING_TAKEN };
  }
  if (request.body === null) return { result: new Uint8Array(0), release: NOTHING_TAKEN };
  if (request.bodyUsed) {
    return { result: errorAnswer(400, 'invalid_json', 'The body was already read by something else.'), release: NOTHING_TAKEN };
  }
  // A declared length is reserved whole, so a crowd of large bodies is refused before any of them is buffered.
  let taken = 0;
  if (Number.isFinite(declared) && declared > 0) {
    if (!budget.take(declared)) {
      discardBody(request);
      return { result: overloaded(), release: NOTHING_TAKEN };
    }
    taken = declared;
  }
  const release = (): void => {
    budget.give(taken);
    taken = 0;
  };
  const refuse = (answer: Answer): WebBodyRead => {
    release();
    reader.cancel().catch(() => undefined);
    return { result: answer, release: NOTHING_TAKEN };
  };

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    for (;;) {
      const step = await Promise.race([reader.read(), timedOut]);
      if (step === 'timeout') return refuse(errorAnswer(408, 'body_timeout', `The body did not arrive within ${timeoutMs} ms.`));
      if (step.done) break;
      size += step.value.byteLength;
      if (size > maxBytes) return refuse(tooLarge(maxBytes));
      // Bytes beyond what was declared (a stream of unknown length) are taken as they come.
      if (size > taken) {
        if (!budget.take(size - taken)) return refuse(overloaded());
        taken = size;
      }
      chunks.push(step.value);
    }
  } catch {
    return refuse(errorAnswer(400, 'invalid_json', 'The body could not be read.'));
  } finally {
    clearTimeout(timer);
  }
  return { result: concat(chunks, size), release };
}
