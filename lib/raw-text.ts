import { TASK_ID_FIELDS } from './dialects.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
/** Provider task ids are 32 hex characters; anything much longer is not one, and is not copied out of the text. */
const MAX_ID_LENGTH = 256;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Index of the quote that closes the string opened at `open`, or the text's length when it never closes. */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return at;
  }
}

function stringValue(text: string, open: number, close: number): string | undefined {
  if (close - open - 1 > MAX_ID_LENGTH || close - open - 1 === 0) return undefined;
  const inner = text.slice(open + 1, close);
  if (!inner.includes('\\')) return inner;
  try {
    return JSON.parse(`"${inner}"`) as string;
  } catch {
    return undefined;
  }
}

/**
 * The task id of a body that is not valid JSON, found in its text in the order the provider's signer reads the fields
 * (`TASK_ID_FIELDS`: `data.task_id`, `data.taskId`, `taskId`, `task_id`). One pass, nothing copied but short strings:
 * it runs before authentication, on text anyone can send. The scan follows the JSON structure as far as it is
 * intact, so a defect elsewhere in the body (a malformed `param` echo) does not hide the id.
 */
export function findTaskIdInText(text: string): string | undefined {
  const found: Array<string | undefined> = TASK_ID_FIELDS.map(() => undefined);
  /** The key each open container sits under (`undefined` for arrays and the root); `objects` says which are objects. */
  const keys: Array<string | undefined> = [];
  const objects: boolean[] = [];
  let key: string | undefined;
  const record = (value: string | undefined): void => {
    if (value === undefined || key === undefined) return;
    const depth = keys.length;
    const inData = depth === 2 && keys[1] === 'data';
    if (depth !== 1 && !inData) return;
    TASK_ID_FIELDS.forEach((field, index) => {
      if (found[index] !== undefined || field.name !== key) return;
      if ((field.in === 'data') === inData) found[index] = value;
    });
  };
  const length = text.length;
  let at = 0;
  while (at < length && found[0] === undefined) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const close = closingQuote(text, at);
      // A string that never closes is no value: the text was cut short.
      if (close >= length) break;
      let next = close + 1;
      while (next < length && isSpace(text.charCodeAt(next))) next += 1;
      if (text.charCodeAt(next) === COLON && objects[objects.length - 1] === true) {
        key = close - at - 1 <= 64 ? text.slice(at + 1, close) : '';
        at = next + 1;
        continue;
      }
      record(stringValue(text, at, close));
      key = undefined;
      at = close + 1;
      continue;
    }
    if (code === 0x7b || code === 0x5b) {
      // `{` or `[`: the container sits under the key just read.
      keys.push(key);
      objects.push(code === 0x7b);
      key = undefined;
    } else if (code === 0x7d || code === 0x5d) {
      keys.pop();
      objects.pop();
      key = undefined;
    } else if (code === COMMA) {
      key = undefined;
    } else if (key !== undefined && ((code >= 0x30 && code <= 0x39) || code === 0x2d)) {
      let end = at + 1;
      while (end < length && /[0-9.eE+-]/.test(text.charAt(end))) end += 1;
      const number = Number(text.slice(at, Math.min(end, at + MAX_ID_LENGTH)));
      record(Number.isFinite(number) ? String(number) : undefined);
      key = undefined;
      at = end;
      continue;
    }
    at += 1;
  }
  return found.find((value) => value !== undefined);
}
