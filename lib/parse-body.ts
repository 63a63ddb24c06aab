import type { IncomingBody } from './pipeline.js';

// Platform-neutral (every door and verifyCallback share it); not fatal, so bad UTF-8 decodes to U+FFFD as Buffer does.
const utf8 = new TextDecoder();

/** The JSON value of a body in whatever form the door found it; shared by the pipeline, `verifyCallback` and `parseCallback`. */
export function parseBody(body: IncomingBody): { value: unknown } | { error: 'empty' } | { error: 'malformed'; text: string } {
  if (body.type === 'parsed') return { value: body.value };
  const raw = body.type === 'bytes' ? utf8.decode(body.bytes) : body.text;
  // RFC 8259 lets a parser ignore a byte order mark, and express.json() does: the raw path must agree.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.trim() === '') return { error: 'empty' };
  try {
    return { value: JSON.parse(text) };
  } catch {
    // Not refused yet: an authentic callback is never refused, and its task id may still be found in the text.
    return { error: 'malformed', text };
  }
}
