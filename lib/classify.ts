import {
  CALLBACK_KINDS,
  KIND_MARKERS,
  MARKET,
  TASK_ID_FIELDS,
  TRACK_MARKERS,
  marketKind,
  type CallbackKind,
} from './dialects.js';

export { CALLBACK_KINDS, type CallbackKind } from './dialects.js';

/** `text`, `first`, `complete`: music progress; `complete` also ends lyrics; `final`: one-shot success; `error`: failure. */
export type CallbackStage = 'text' | 'first' | 'complete' | 'final' | 'error';

export type JsonObject = Record<string, unknown>;

export interface Classification {
  /** `undefined` when the body fits no family and carries no route hint. */
  kind: CallbackKind | undefined;
  stage: CallbackStage;
  taskId: string;
  /** `undefined` when the body has no usable `code`: such a body fits no family and is reported as unrecognized. */
  code: number | undefined;
  failed: boolean;
  /** The Market model (`ai-music-api/generate`) when the body is a kie.ai Market callback. */
  model?: string;
}

const MUSIC_STAGES = new Set(['text', 'first', 'complete', 'error']);

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isCallbackKind(value: string): value is CallbackKind {
  return (CALLBACK_KINDS as readonly string[]).includes(value);
}

function has(object: JsonObject | undefined, keys: readonly string[]): boolean {
  if (object === undefined) return false;
  return keys.some((key) => Object.hasOwn(object, key));
}

export function idString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The task id and the field it came from, in the order of `TASK_ID_FIELDS` (the provider's signing order). */
export function findTaskIdField(body: JsonObject): { taskId: string; label: string } | undefined {
  const data = isJsonObject(body.data) ? body.data : undefined;
  for (const field of TASK_ID_FIELDS) {
    const container = field.in === undefined ? body : data;
    const taskId = idString(container?.[field.name]);
    if (taskId !== undefined) return { taskId, label: field.label };
  }
  return undefined;
}

/**
 * The task id wherever the provider put it. The order matters: it is the one the provider's signing code uses
 * (`data.task_id` first), so the signature check and the dedupe key agree on which id a callback belongs to.
 */
export function findTaskId(body: JsonObject): string | undefined {
  return findTaskIdField(body)?.taskId;
}

/** `code` arrives as a number in the docs; a numeric string is accepted too, since deliveries drift. */
export function readCode(body: JsonObject): number | undefined {
  const { code } = body;
  if (typeof code === 'number' && Number.isInteger(code)) return code;
  if (typeof code === 'string' && /^\d{1,4}$/.test(code)) return Number(code);
  return undefined;
}

/** The Market model of a body in the kie.ai Market envelope (`data.model` plus `data.state` or `data.resultJson`). */
export function marketModel(body: JsonObject): string | undefined {
  const data = isJsonObject(body.data) ? body.data : undefined;
  if (data === undefined) return undefined;
  const model = data[MARKET.model];
  if (typeof model !== 'string' || model === '') return undefined;
  return has(data, [MARKET.state, MARKET.resultJson]) ? model : undefined;
}

/** How many items classification looks at: enough for a null or two in front, and cheap on a hostile list. */
const ITEMS_LOOKED_AT = 8;

function firstItem(data: JsonObject): JsonObject | undefined {
  const items = data.data;
  if (!Array.isArray(items)) return undefined;
  const end = Math.min(items.length, ITEMS_LOOKED_AT);
  for (let index = 0; index < end; index += 1) {
    const item: unknown = items[index];
    if (isJsonObject(item)) return item;
  }
  return undefined;
}

/**
 * Music and lyrics share the `callbackType` envelope. Items tell them apart (tracks carry audio, lyrics carry text);
 * without items, the docs' dialects still differ: only lyrics put a camelCase `taskId` inside `data`.
 */
function musicOrLyrics(body: JsonObject, data: JsonObject, failed: boolean): CallbackKind | undefined {
  const item = firstItem(data);
  if (item !== undefined) {
    if (has(item, TRACK_MARKERS)) return 'music';
    if (has(item, ['text'])) return 'lyrics';
  }
  if (data.callbackType === 'text' || data.callbackType === 'first') return 'music';
  if (has(data, ['taskId']) && !has(data, ['task_id'])) return 'lyrics';
  if (typeof body.msg === 'string' && /lyric/i.test(body.msg)) return 'lyrics';
  // A failed "complete" with no items is sent by both families (docs.kie.ai lyrics): only a route hint can tell.
  if (failed && data.callbackType === 'complete') return undefined;
  return 'music';
}

/** Works out the family from the body's own fields; `undefined` when nothing identifies one. */
export function detectKind(body: JsonObject, failed: boolean): CallbackKind | undefined {
  const model = marketModel(body);
  if (model !== undefined) return marketKind(model);
  // Recovery Audio is the one family whose `data` is the list of tracks itself.
  if (Array.isArray(body.data)) return 'recovery';
  const data = isJsonObject(body.data) ? body.data : undefined;
  if (data !== undefined) {
    if (has(data, ['callbackType'])) return musicOrLyrics(body, data, failed);
    for (const [kind, markers] of KIND_MARKERS) if (has(data, markers)) return kind;
    return undefined;
  }
  // Only the MIDI callback (docs.sunoapi.org) keeps its task id at the top level with an object or null `data`.
  if (has(body, ['task_id'])) return 'midi';
  return undefined;
}

function stageOf(kind: CallbackKind | undefined, body: JsonObject, failed: boolean, market: boolean): CallbackStage {
  if (failed) return 'error';
  if (kind === 'music') {
    // A Market music job calls back once, when every track is done.
    if (market) return 'complete';
    const callbackType = isJsonObject(body.data) ? body.data.callbackType : undefined;
    return typeof callbackType === 'string' && MUSIC_STAGES.has(callbackType)
      ? (callbackType as CallbackStage)
      : 'complete';
  }
  if (kind === 'lyrics') return 'complete';
  return 'final';
}

function classifyMarket(body: JsonObject, model: string, hint: CallbackKind | undefined, taskId: string): Classification {
  const data = body.data as JsonObject;
  const state = data[MARKET.state];
  const known = marketKind(model);
  // The model names the family exactly, so it beats a route hint (Market jobs often share the music path); only a
  // model this version does not know yet defers to the hint.
  const kind = known === 'result' && hint !== undefined ? hint : known;
  let code = readCode(body);
  if (code === undefined && state === MARKET.success) code = 200;
  if (code === undefined && state === MARKET.fail) code = 501;
  const failed = state === MARKET.fail || (code !== undefined && code !== 200);
  // A success that is not terminal (`generating`, seen when polling) has no result to report yet.
  if (code === undefined || (!failed && state !== MARKET.success)) {
    return { kind: undefined, stage: 'final', taskId, code, failed: false, model };
  }
  return { kind, stage: stageOf(kind, body, failed, true), taskId, code, failed, model };
}

/**
 * Kind, stage and task id of a body; `{ missing: 'task_id' }` when it has no task id, since no dedupe key can be
 * built then (the caller answers 400).
 */
export function classify(body: JsonObject, hint: CallbackKind | undefined): Classification | { missing: 'task_id' } {
  const taskId = findTaskId(body);
  if (taskId === undefined) return { missing: 'task_id' };
  const model = marketModel(body);
  if (model !== undefined) return classifyMarket(body, model, hint, taskId);
  const code = readCode(body);
  // Without a code, success cannot be told from failure: no family fits, whatever the path says.
  if (code === undefined) return { kind: undefined, stage: 'final', taskId, code, failed: false };
  const data = isJsonObject(body.data) ? body.data : undefined;
  const failed = code !== 200 || data?.callbackType === 'error';
  const kind = hint ?? detectKind(body, failed);
  return { kind, stage: stageOf(kind, body, failed, false), taskId, code, failed };
}
