import { classify, isJsonObject, type CallbackStage, type JsonObject } from './classify.js';
import type { CallbackKind } from './dialects.js';
import { parseWithoutParam } from './market.js';
import { dedupeKey } from './normalize.js';
import { findTaskIdInText } from './raw-text.js';

/** A callback body as it arrived: a parsed JSON object, or the text of one that is not valid JSON. */
export type CallbackBody = JsonObject | string;

/** What a callback is, worked out cheaply enough to run before authentication. */
export interface Identified {
  /** `undefined` when nothing names a family: the callback becomes `unrecognized` (or a failure of kind `unknown`). */
  kind: CallbackKind | undefined;
  stage: CallbackStage;
  /** The task id the provider signed (see `TASK_ID_FIELDS`). */
  taskId: string;
  /** The dedupe key, `<kind>:<taskId>:<stage>`. */
  key: string;
  code: number | undefined;
  failed: boolean;
  /** The Market model, for a kie.ai Market callback. */
  model?: string;
  /** The object a text body parsed to (after cutting out a malformed Market `param`, when `paramCut`). */
  parsed?: JsonObject;
  /** True when the text was only valid JSON once its `param` echo was cut out. */
  paramCut?: boolean;
}

/**
 * Kind, stage, task id and dedupe key of a callback, from a parsed body or from text that is not valid JSON;
 * `undefined` when no task id can be found (no signature can be checked, no key built). The route hint (`:kind` in
 * the path) wins for legacy bodies; a Market body's model wins over it. Cost: one pass over the body, plus at most a
 * few parses for a Market body whose `param` echo is malformed. `known.invalidJson`: the caller has already seen
 * `JSON.parse` fail on this text.
 */
export function identify(body: CallbackBody, hint?: CallbackKind, known: { invalidJson?: boolean } = {}): Identified | undefined {
  if (typeof body === 'string') return identifyText(body, hint, known.invalidJson === true);
  const classified = classify(body, hint);
  if ('missing' in classified) return undefined;
  const { kind, stage, taskId, code, failed, model } = classified;
  const identified: Identified = { kind, stage, taskId, key: dedupeKey(kind ?? 'unknown', taskId, stage), code, failed };
  if (model !== undefined) identified.model = model;
  return identified;
}

function identifyText(text: string, hint: CallbackKind | undefined, invalidJson: boolean): Identified | undefined {
  // RFC 8259 lets a parser ignore a byte order mark, and express.json() does.
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let parsed: unknown;
  try {
    // A caller that has just failed to parse the text says so, sparing a second full parse of a large body.
    if (invalidJson) throw new SyntaxError('known to be invalid');
    parsed = JSON.parse(clean);
  } catch {
    parsed = parseWithoutParam(clean);
    if (parsed !== undefined) {
      const identified = identify(parsed as JsonObject, hint);
      return identified === undefined ? undefined : { ...identified, parsed: parsed as JsonObject, paramCut: true };
    }
    const taskId = findTaskIdInText(clean);
    if (taskId === undefined) return undefined;
    return { kind: undefined, stage: 'final', taskId, key: dedupeKey('unknown', taskId, 'final'), code: undefined, failed: false };
  }
  if (!isJsonObject(parsed)) return undefined;
  const identified = identify(parsed, hint);
  return identified === undefined ? undefined : { ...identified, parsed };
}
