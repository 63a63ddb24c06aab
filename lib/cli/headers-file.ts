import { isJsonObject } from '../classify.js';

/**
 * Reads captured request headers in whichever form they were saved: a JSON object (`{"X-Webhook-Timestamp": "..."}`,
 * as most loggers write them), raw `Name: value` lines (a raw HTTP request, with or without its request line and
 * body), curl `-v` output (`> Name: value`), or the `-H 'Name: value'` lines that `suno-callbacks sign` prints.
 * Names come back lower-cased; for a repeated header, the first value wins.
 */
export function parseHeaders(text: string): Map<string, string> {
  const trimmed = text.trim();
  return trimmed.startsWith('{') ? fromJson(trimmed) : fromLines(text);
}

function fromJson(text: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`the headers file looks like JSON but does not parse: ${(error as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw new Error('the headers file must hold a JSON object of header names and values');
  const headers = new Map<string, string>();
  for (const [name, raw] of Object.entries(parsed)) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (typeof value === 'string' || typeof value === 'number') {
      const key = name.toLowerCase();
      if (!headers.has(key)) headers.set(key, String(value));
    }
  }
  return headers;
}

const REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/\d/;
const STATUS_LINE = /^HTTP\/\d/;

function unwrap(line: string): string {
  let result = line.trim();
  if (result.startsWith('>')) result = result.slice(1).trim();
  if (result.endsWith('\\')) result = result.slice(0, -1).trim();
  const flag = /^(?:-H|--header)\s+/.exec(result);
  if (flag !== null) result = result.slice(flag[0].length).trim();
  const quote = result[0];
  if ((quote === "'" || quote === '"') && result.endsWith(quote) && result.length >= 2) result = result.slice(1, -1);
  return result.trim();
}

function fromLines(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    // curl -v: `*` lines are its own notes, `<` lines the response's headers, braces mark data; only `>` lines count.
    if (/^\s*[*<{}]/.test(raw)) continue;
    const line = unwrap(raw);
    if (line === '') {
      // A blank line after headers ends them: what follows in a raw HTTP capture is the body.
      if (headers.size > 0 && raw.trim() === '') break;
      continue;
    }
    if (line.startsWith('#') || REQUEST_LINE.test(line) || STATUS_LINE.test(line)) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`line ${index + 1} of the headers file is not "Name: value"`);
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(key)) headers.set(key, line.slice(colon + 1).trim());
  }
  return headers;
}
