import { classify, isJsonObject, marketModel, type CallbackStage, type JsonObject } from './classify.js';
import type { CallbackKind } from './dialects.js';
import { eventNameOf, type CallbackEvent, type SunoEventName, type UnrecognizedEvent } from './events.js';
import { decodeResult, legacyPayload, marketFacts, parseWithoutParam } from './market.js';
import { dedupeKey, toEvent, type Accepted, type MarketFacts } from './normalize.js';
import { findTaskIdInText } from './raw-text.js';
import { compileValidators, type PayloadValidator } from './schemas/index.js';

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

/** The event a callback produces and the names it fires under. */
export type Built =
  | { names: SunoEventName[]; event: CallbackEvent }
  | { names: ['unrecognized']; event: UnrecognizedEvent };

/**
 * Kind, stage, task id and dedupe key of a callback, from a parsed body or from text that is not valid JSON;
 * `undefined` when no task id can be found (no signature can be checked, no key built). The route hint (`:kind` in
 * the path) wins for legacy bodies; a Market body's model wins over it. Cost: one pass over the body, plus at most a
 * few parses for a Market body whose `param` echo is malformed.
 */
export function identify(body: CallbackBody, hint?: CallbackKind): Identified | undefined {
  if (typeof body === 'string') return identifyText(body, hint);
  const classified = classify(body, hint);
  if ('missing' in classified) return undefined;
  const { kind, stage, taskId, code, failed, model } = classified;
  const identified: Identified = { kind, stage, taskId, key: dedupeKey(kind ?? 'unknown', taskId, stage), code, failed };
  if (model !== undefined) identified.model = model;
  return identified;
}

function identifyText(text: string, hint: CallbackKind | undefined): Identified | undefined {
  // RFC 8259 lets a parser ignore a byte order mark, and express.json() does.
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let parsed: unknown;
  try {
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

let validators: Record<CallbackKind, PayloadValidator> | undefined;

/** Compiles the schemas now rather than on the first callback (the middleware's factory calls this). */
export function prepareValidators(): void {
  validators ??= compileValidators();
}

function validatorOf(kind: CallbackKind): PayloadValidator {
  validators ??= compileValidators();
  return validators[kind];
}

function unrecognized(identified: Identified, body: unknown, receivedAt: Date, more: Partial<UnrecognizedEvent>): Built {
  const event: UnrecognizedEvent = { kind: 'unknown', taskId: identified.taskId, receivedAt, key: identified.key, body, ...more };
  if (identified.code !== undefined) event.code = identified.code;
  if (identified.model !== undefined) event.model = identified.model;
  return { names: ['unrecognized'], event };
}

/**
 * The typed event of an identified callback, validated against its family's schema and normalised; `unrecognized`
 * (with the validation messages, or the raw text when the body is not JSON) instead of throwing. Validation stops at
 * the first error, so its cost is linear in the body whatever the body holds.
 */
export function buildEvent(identified: Identified, body: CallbackBody, receivedAt: Date): Built {
  const object = typeof body === 'string' ? identified.parsed : body;
  if (object === undefined) {
    return unrecognized(identified, undefined, receivedAt, { raw: body as string, details: ['The body is not valid JSON.'] });
  }
  // A body recovered from a malformed `param` echo comes without it: it is only the request, and it was not JSON.
  const received = object;
  const { kind, failed } = identified;
  if (kind === undefined && !failed) {
    return unrecognized(identified, received, receivedAt, { details: ['The body fits no callback family.'] });
  }
  const accepted: Accepted = {
    kind: kind ?? 'unknown',
    stage: identified.stage,
    taskId: identified.taskId,
    code: identified.code,
    key: identified.key,
    receivedAt,
    body: received,
  };
  const model = identified.model ?? marketModel(object);
  if (model !== undefined) {
    const data = isJsonObject(object.data) ? object.data : {};
    const { result, decoded } = decodeResult(data);
    const market: MarketFacts = marketFacts(object, model, result);
    accepted.market = market;
    if (kind !== undefined && !failed) {
      if (!decoded && kind !== 'result') {
        return unrecognized(identified, received, receivedAt, { claimedKind: kind, details: ['/data/resultJson is not valid JSON'] });
      }
      accepted.payload = legacyPayload(kind, result, object);
    }
  }
  if (kind !== undefined && !failed) {
    const details = validatorOf(kind)(accepted.payload ?? object);
    if (details !== undefined) return unrecognized(identified, received, receivedAt, { claimedKind: kind, details });
  }
  const event = toEvent(accepted);
  return { names: [eventNameOf(event), 'callback'], event };
}
