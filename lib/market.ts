import { isJsonObject, type JsonObject } from './classify.js';
import { MARKET, MARKET_FIELDS, type CallbackKind } from './dialects.js';
import type { MarketFacts } from './normalize.js';

/**
 * How many cut points the `param` extractor tries in all. A candidate needs `","<field>":` with no backslash, which an
 * escaped echo never contains, so a genuinely malformed one is cut right at the first or second.
 */
const MAX_CUTS = 3;
/**
 * Beyond this size only the first cut is tried. A wrong cut fails fast, near the cut, but a body with a second defect
 * far away makes every attempt a full parse; real Market bodies are a few kilobytes.
 */
const ONE_CUT_ABOVE = 1024 * 1024;
/** How many possible string ends it looks at before giving up, whatever the text holds. */
const MAX_SCANNED = 256;

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function optionalText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** `resultJson` decoded: an object or array as sent, `null` when absent, the text itself when it is not JSON. */
export function decodeResult(data: JsonObject): { result: unknown; decoded: boolean } {
  const encoded = data[MARKET.resultJson];
  if (encoded === undefined || encoded === null || encoded === '') return { result: null, decoded: true };
  if (typeof encoded !== 'string') return { result: encoded, decoded: true };
  try {
    return { result: JSON.parse(encoded) as unknown, decoded: true };
  } catch {
    return { result: encoded, decoded: false };
  }
}

/** What a Market envelope adds to its event: model, credits (either spelling), failure code and message, result. */
export function marketFacts(body: JsonObject, model: string, result: unknown): MarketFacts {
  const data = isJsonObject(body.data) ? body.data : {};
  const facts: MarketFacts = { model, result };
  const credits = MARKET.credits.map((name) => numeric(data[name])).find((value) => value !== undefined);
  if (credits !== undefined) facts.creditsConsumed = credits;
  const failCode = optionalText(data[MARKET.failCode]);
  const failMsg = optionalText(data[MARKET.failMsg]);
  if (failCode !== undefined) facts.failCode = failCode;
  if (failMsg !== undefined) facts.failMsg = failMsg;
  return facts;
}

/**
 * The legacy callback body a Market result stands for, so that a Market job produces the very event its legacy
 * callback would. Observed live for music: `{ code, data: [tracks], msg, task_id }` (the details endpoint's shape,
 * not the callback's `data.data`). Other models are undocumented, so each plausible shape is accepted: a whole legacy
 * body, that flat shape, or the legacy `data` object itself.
 */
export function legacyPayload(kind: CallbackKind, result: unknown, body: JsonObject): JsonObject {
  const msg = body.msg;
  const listed = (items: unknown[], from: JsonObject): JsonObject => {
    if (kind === 'music' || kind === 'lyrics') {
      const data: JsonObject = { callbackType: 'complete', data: items };
      if (from.task_id !== undefined) data.task_id = from.task_id;
      return { ...from, code: 200, msg: from.msg ?? msg, data };
    }
    return { ...from, code: 200, data: items };
  };
  if (Array.isArray(result)) return listed(result, {});
  if (!isJsonObject(result)) return { code: 200, msg, data: {} };
  if (Array.isArray(result.data)) return listed(result.data, result);
  if (isJsonObject(result.data)) return { ...result, code: 200 };
  return { code: 200, msg, data: result };
}

/**
 * Parses a Market body whose only defect is its `param` echo: the request, JSON-encoded twice over and escaped once
 * too few times, ends its string early and makes the whole body invalid JSON. `param` is cut out of the text and the
 * rest parsed. A cut ends just before `,"<envelope field>":` (or the closing brace when `param` is last); each candidate
 * is tried in order and the first that parses wins. A wrong candidate fails fast, near the cut; at most MAX_CUTS are
 * tried (one above ONE_CUT_ABOVE), so the cost stays a few parses whatever the text.
 */
export function parseWithoutParam(text: string): JsonObject | undefined {
  const member = /"param"\s*:\s*"/.exec(text);
  if (member === null) return undefined;
  const memberStart = member.index;
  const valueStart = memberStart + member[0].length;
  // The end of `data` is followed by the end of the body or by another top-level member.
  const ends = /"\s*(?:(,)\s*"([A-Za-z]{1,40})"\s*:|\}\s*[},])/g;
  ends.lastIndex = valueStart;
  const cuts = text.length > ONE_CUT_ABOVE ? 1 : MAX_CUTS;
  const commas: number[] = [];
  const braces: number[] = [];
  let scanned = 0;
  for (let match = ends.exec(text); match !== null && commas.length < cuts && scanned < MAX_SCANNED; match = ends.exec(text)) {
    scanned += 1;
    if (match[1] === undefined) {
      if (braces.length < cuts) braces.push(match.index);
    } else if (match[2] !== undefined && match[2] !== MARKET.param && MARKET_FIELDS.includes(match[2])) {
      commas.push(match.index);
    }
  }
  const attempt = (candidate: string): JsonObject | undefined => {
    try {
      const value: unknown = JSON.parse(candidate);
      return isJsonObject(value) && isJsonObject(value.data) ? value : undefined;
    } catch {
      return undefined;
    }
  };
  for (const quote of commas) {
    // `"param":"…",` goes, up to the comma after the value; the next member follows the previous one directly.
    const comma = text.indexOf(',', quote + 1);
    const parsed = attempt(text.slice(0, memberStart) + text.slice(comma + 1));
    if (parsed !== undefined) return parsed;
  }
  // `param` was the last member: the comma before it goes too.
  const before = text.lastIndexOf(',', memberStart);
  if (before === -1) return undefined;
  for (const quote of braces.slice(0, cuts - commas.length)) {
    const parsed = attempt(text.slice(0, before) + text.slice(quote + 1));
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}
