/** Every callback family the provider sends, as used in event `kind`s and per-kind paths. */
export const CALLBACK_KINDS = [
  'music',
  'lyrics',
  'cover',
  'wav',
  'stems',
  'midi',
  'video',
  'voice-phrase',
  'voice',
] as const;

export type CallbackKind = (typeof CALLBACK_KINDS)[number];

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
}

const MUSIC_STAGES = new Set(['text', 'first', 'complete', 'error']);

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isCallbackKind(value: string): value is CallbackKind {
  return (CALLBACK_KINDS as readonly string[]).includes(value);
}

function has(object: JsonObject | undefined, ...keys: string[]): boolean {
  if (object === undefined) return false;
  return keys.some((key) => Object.hasOwn(object, key));
}

function idString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The task id wherever the provider put it. The order matters: it is the one the provider's signing code uses
 * (`data.task_id` first), so the signature check and the dedupe key agree on which id a callback belongs to.
 */
export function findTaskId(body: JsonObject): string | undefined {
  const data = isJsonObject(body.data) ? body.data : undefined;
  return (
    idString(data?.task_id) ?? idString(data?.taskId) ?? idString(body.taskId) ?? idString(body.task_id)
  );
}

/** `code` arrives as a number in the docs; a numeric string is accepted too, since deliveries drift. */
export function readCode(body: JsonObject): number | undefined {
  const { code } = body;
  if (typeof code === 'number' && Number.isInteger(code)) return code;
  if (typeof code === 'string' && /^\d{1,4}$/.test(code)) return Number(code);
  return undefined;
}

function firstItem(data: JsonObject): JsonObject | undefined {
  const items = data.data;
  if (!Array.isArray(items)) return undefined;
  return items.find(isJsonObject);
}

/**
 * Music and lyrics share the `callbackType` envelope. Items tell them apart (tracks carry audio, lyrics carry text);
 * without items, the docs' dialects still differ: only lyrics put a camelCase `taskId` inside `data`.
 */
function musicOrLyrics(body: JsonObject, data: JsonObject, failed: boolean): CallbackKind | undefined {
  const item = firstItem(data);
  if (item !== undefined) {
    if (has(item, 'audio_url', 'audioUrl', 'stream_audio_url', 'streamAudioUrl')) return 'music';
    if (has(item, 'text')) return 'lyrics';
  }
  if (data.callbackType === 'text' || data.callbackType === 'first') return 'music';
  if (has(data, 'taskId') && !has(data, 'task_id')) return 'lyrics';
  if (typeof body.msg === 'string' && /lyric/i.test(body.msg)) return 'lyrics';
  // A failed "complete" with no items is sent by both families (docs.kie.ai lyrics): only a route hint can tell.
  if (failed && data.callbackType === 'complete') return undefined;
  return 'music';
}

/** Works out the family from the body's own fields; `undefined` when nothing identifies one. */
export function detectKind(body: JsonObject, failed: boolean): CallbackKind | undefined {
  const data = isJsonObject(body.data) ? body.data : undefined;
  if (data !== undefined) {
    if (has(data, 'callbackType')) return musicOrLyrics(body, data, failed);
    if (has(data, 'images')) return 'cover';
    if (has(data, 'audioWavUrl', 'audio_wav_url')) return 'wav';
    if (has(data, 'vocal_removal_info', 'vocal_separation_info', 'vocalRemovalInfo', 'vocalSeparationInfo')) {
      return 'stems';
    }
    if (has(data, 'instruments')) return 'midi';
    if (has(data, 'video_url', 'videoUrl')) return 'video';
    if (has(data, 'validateInfo', 'validate_info')) return 'voice-phrase';
    if (has(data, 'voiceId', 'voice_id')) return 'voice';
    return undefined;
  }
  // Only the MIDI callback (docs.sunoapi.org) keeps its task id at the top level.
  if (has(body, 'task_id')) return 'midi';
  return undefined;
}

function stageOf(kind: CallbackKind | undefined, body: JsonObject, failed: boolean): CallbackStage {
  if (failed) return 'error';
  if (kind === 'music') {
    const callbackType = isJsonObject(body.data) ? body.data.callbackType : undefined;
    return typeof callbackType === 'string' && MUSIC_STAGES.has(callbackType)
      ? (callbackType as CallbackStage)
      : 'complete';
  }
  if (kind === 'lyrics') return 'complete';
  return 'final';
}

/**
 * Kind, stage and task id of a body; `{ missing: 'task_id' }` when it has no task id, since no dedupe key can be
 * built then (the caller answers 400).
 */
export function classify(body: JsonObject, hint: CallbackKind | undefined): Classification | { missing: 'task_id' } {
  const taskId = findTaskId(body);
  if (taskId === undefined) return { missing: 'task_id' };
  const code = readCode(body);
  // Without a code, success cannot be told from failure: no family fits, whatever the path says.
  if (code === undefined) return { kind: undefined, stage: 'final', taskId, code, failed: false };
  const data = isJsonObject(body.data) ? body.data : undefined;
  const failed = code !== 200 || data?.callbackType === 'error';
  const kind = hint ?? detectKind(body, failed);
  return { kind, stage: stageOf(kind, body, failed), taskId, code, failed };
}
