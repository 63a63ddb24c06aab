import { isJsonObject, type CallbackKind, type CallbackStage, type JsonObject } from './classify.js';
import { RECOVERY_STATUS, SPELLINGS } from './dialects.js';
import type {
  BaseEvent,
  CallbackEvent,
  FailureEvent,
  LyricsItem,
  MidiInstrument,
  MidiNote,
  MusicTrack,
  RecoveryTrack,
  Stems,
} from './events.js';

/** The provider keeps result files for 14 days (docs.sunoapi.org, "file retention"). */
export const RETENTION_MS = 14 * 24 * 60 * 60 * 1000;

/** Meanings of the status codes documented across the provider's callback pages. */
export const FAILURE_REASONS: Readonly<Record<number, string>> = {
  400: 'Invalid parameters, content violation or copyrighted lyrics',
  408: 'Rate limited or timed out',
  413: 'Uploaded audio matches an existing work',
  451: 'Source file download failed',
  500: 'Provider server error',
  501: 'Generation failed',
  531: 'Generation failed; credits were refunded',
};

export interface Accepted {
  kind: CallbackKind | 'unknown';
  stage: CallbackStage;
  taskId: string;
  /** Present on every recognized callback; only an unrecognized body may lack it. */
  code: number | undefined;
  key: string;
  receivedAt: Date;
  /** The body as received; the event's `body`. Empty when the body is not JSON (see `raw`). */
  body: JsonObject;
  /** The body's text when it is not valid JSON: what a queue must keep to interpret it again (`identify(raw)`). */
  raw?: string;
  /**
   * Where the family's fields are read from, when not `body` itself: the legacy payload decoded from a Market
   * callback's `resultJson`.
   */
  payload?: JsonObject;
  /** Set for a kie.ai Market callback. */
  market?: MarketFacts;
}

/** What a Market envelope adds to an event. */
export interface MarketFacts {
  model: string;
  creditsConsumed?: number;
  /** `failCode`, a string in the docs. */
  failCode?: string;
  failMsg?: string;
  /** The decoded `resultJson` (for `result-ready`). */
  result: unknown;
}

export function dedupeKey(kind: CallbackKind | 'unknown', taskId: string, stage: CallbackStage): string {
  return `${kind}:${taskId}:${stage}`;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function optionalText(value: unknown): string | undefined {
  const result = text(value);
  return result === '' ? undefined : result;
}

function numeric(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/** First field present among the dialects' spellings (see `SPELLINGS`). */
function field(object: JsonObject, names: readonly string[]): unknown {
  for (const name of names) {
    if (object[name] !== undefined && object[name] !== null) return object[name];
  }
  return undefined;
}

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

function dataOf(body: JsonObject): JsonObject {
  return isJsonObject(body.data) ? body.data : {};
}

function track(item: JsonObject): MusicTrack {
  const result: MusicTrack = {
    id: text(item.id),
    audioUrl: text(field(item, SPELLINGS.audioUrl)),
    streamAudioUrl: text(field(item, SPELLINGS.streamAudioUrl)),
    imageUrl: text(field(item, SPELLINGS.imageUrl)),
    prompt: text(item.prompt),
    modelName: text(field(item, SPELLINGS.modelName)),
    title: text(item.title),
    tags: text(item.tags),
    createTime: text(field(item, SPELLINGS.createTime)),
    duration: numeric(item.duration),
  };
  const sourceAudioUrl = optionalText(field(item, SPELLINGS.sourceAudioUrl));
  const sourceStreamAudioUrl = optionalText(field(item, SPELLINGS.sourceStreamAudioUrl));
  const sourceImageUrl = optionalText(field(item, SPELLINGS.sourceImageUrl));
  if (sourceAudioUrl !== undefined) result.sourceAudioUrl = sourceAudioUrl;
  if (sourceStreamAudioUrl !== undefined) result.sourceStreamAudioUrl = sourceStreamAudioUrl;
  if (sourceImageUrl !== undefined) result.sourceImageUrl = sourceImageUrl;
  return result;
}

function lyricsItem(item: JsonObject): LyricsItem {
  const result: LyricsItem = { text: text(item.text), title: text(item.title), status: text(item.status) };
  const error = optionalText(field(item, SPELLINGS.lyricsError));
  if (error !== undefined) result.error = error;
  return result;
}

function recoveryTrack(item: JsonObject): RecoveryTrack {
  const audioUrl = text(field(item, SPELLINGS.audioUrl));
  const status = text(item.status);
  // A status this version does not know is judged by what counts: whether a link came back.
  const succeeded = status === RECOVERY_STATUS.success || (status !== RECOVERY_STATUS.failed && audioUrl !== '');
  const result: RecoveryTrack = { id: text(item.id), audioUrl, title: text(item.title), status: succeeded ? 'success' : 'failed' };
  const error = optionalText(field(item, SPELLINGS.trackError));
  if (error !== undefined) result.error = error;
  return result;
}

/** `instrumental_url` becomes `instrumental`, `backing_vocals_url` becomes `backingVocals`. */
function stemName(key: string): string | undefined {
  const match = /^(.+?)_?(?:url|Url)$/.exec(key);
  if (match === null || match[1] === undefined) return undefined;
  return match[1].replace(/_([a-z])/g, (_whole, letter: string) => letter.toUpperCase());
}

const SEPARATE_VOCAL_STEMS = new Set(['vocal', 'instrumental']);

function stemsOf(data: JsonObject): { mode: string; stems: Stems; originUrl?: string } {
  const info = field(data, SPELLINGS.stemsInfo);
  const stems: Stems = {};
  let originUrl: string | undefined;
  if (isJsonObject(info)) {
    for (const [key, value] of Object.entries(info)) {
      const name = stemName(key);
      const url = optionalText(value);
      if (name === undefined || url === undefined) continue;
      if (name === 'origin') originUrl = url;
      else stems[name] = url;
    }
  }
  const split = Object.keys(stems).some((name) => !SEPARATE_VOCAL_STEMS.has(name));
  // A body that names its mode is believed, whatever the mode (`split_stem_advanced` arrived in 2026).
  const named = optionalText(field(data, SPELLINGS.stemMode));
  const result: { mode: string; stems: Stems; originUrl?: string } = {
    mode: named ?? (split ? 'split_stem' : 'separate_vocal'),
    stems,
  };
  if (originUrl !== undefined) result.originUrl = originUrl;
  return result;
}

function midiNote(note: JsonObject): MidiNote | undefined {
  const pitch = numeric(note.pitch);
  const start = numeric(note.start);
  const end = numeric(note.end);
  // A note without a position in time is unusable; dropping it keeps the rest of the file.
  if (pitch === null || start === null || end === null) return undefined;
  return { pitch, start, end, velocity: numeric(note.velocity) ?? 0 };
}

function instruments(data: JsonObject): MidiInstrument[] {
  return objects(data.instruments).map((instrument) => ({
    name: text(instrument.name),
    notes: objects(instrument.notes)
      .map(midiNote)
      .filter((note): note is MidiNote => note !== undefined),
  }));
}

function failureDetail(accepted: Accepted, body: JsonObject, data: JsonObject): string | undefined {
  const market = accepted.market;
  if (market?.failMsg !== undefined || market?.failCode !== undefined) return market.failMsg ?? market.failCode;
  if (accepted.kind === 'recovery' && Array.isArray(body.data)) {
    // Recovery's failure says why per track: `<track id>: <error>` for each.
    const errors = objects(body.data)
      .map(recoveryTrack)
      .filter((item) => item.error !== undefined)
      .map((item) => `${item.id}: ${item.error ?? ''}`);
    if (errors.length > 0) return errors.join('; ');
  }
  return optionalText(field(data, SPELLINGS.failureDetail) ?? field(body, ['error']));
}

function failureReason(code: number, market: MarketFacts | undefined): string {
  const failCode = market?.failCode !== undefined && /^\d{1,4}$/.test(market.failCode) ? Number(market.failCode) : undefined;
  return (
    (failCode === undefined ? undefined : FAILURE_REASONS[failCode]) ??
    FAILURE_REASONS[code] ??
    market?.failMsg ??
    `Provider error ${code}`
  );
}

/**
 * Completes an event's base with its kind's own fields. Object.assign onto the fresh base rather than a spread of it
 * into a new literal: V8 leaves its fast clone path for these spreads, which cost about a microsecond per event, most
 * of the time normalising a small callback took. The properties come out in the same order as with the spread.
 */
function complete<const T extends object, U extends object = object>(base: BaseEvent, fields: T, more?: U): BaseEvent & T & U {
  return Object.assign(base, fields, more);
}

/** Builds the typed event for an accepted callback; the body has passed its family's schema. */
export function toEvent(accepted: Accepted): CallbackEvent {
  const { kind, stage, market } = accepted;
  // Market events read the family's fields from the decoded result; the envelope stays the event's `body`.
  const body = accepted.payload ?? accepted.body;
  // Classification leaves a body without a code unrecognized, so a callback that reaches here always has one.
  const code = accepted.code ?? 0;
  const base: BaseEvent = {
    kind,
    taskId: accepted.taskId,
    stage,
    code,
    message: text(accepted.body.msg),
    receivedAt: accepted.receivedAt,
    key: accepted.key,
    body: accepted.body,
  };
  if (market !== undefined) {
    base.model = market.model;
    if (market.creditsConsumed !== undefined) base.creditsConsumed = market.creditsConsumed;
  }
  const data = dataOf(body);
  const expiresAt = new Date(accepted.receivedAt.getTime() + RETENTION_MS);

  if (stage === 'error' || kind === 'unknown') {
    const failure: FailureEvent = complete(base, {
      stage: 'error',
      reason: failureReason(code, market),
      creditsRefunded: code === 531 || market?.failCode === '531',
    });
    const detail = failureDetail(accepted, body, data);
    if (detail !== undefined) failure.detail = detail;
    return failure;
  }

  switch (kind) {
    case 'music': {
      const tracks = objects(data.data).map(track);
      if (stage === 'complete') return complete(base, { kind, stage, expiresAt, tracks });
      return complete(base, { kind, stage: stage === 'text' ? 'text' : 'first', expiresAt, tracks });
    }
    case 'lyrics':
      return complete(base, { kind, stage: 'complete', lyrics: objects(data.data).map(lyricsItem) });
    case 'cover': {
      const images = Array.isArray(data.images) ? data.images.filter((url): url is string => typeof url === 'string' && url !== '') : [];
      return complete(base, { kind, stage: 'final', expiresAt, images });
    }
    case 'wav':
      return complete(base, { kind, stage: 'final', expiresAt, wavUrl: text(field(data, SPELLINGS.wavUrl)) });
    case 'stems':
      return complete(base, { kind, stage: 'final', expiresAt }, stemsOf(data));
    case 'midi':
      return complete(base, { kind, stage: 'final', instruments: instruments(data) });
    case 'video':
      return complete(base, { kind, stage: 'final', expiresAt, videoUrl: text(field(data, SPELLINGS.videoUrl)) });
    case 'voice-phrase':
      return complete(base, {
        kind,
        stage: 'final',
        phrase: text(field(data, SPELLINGS.phrase)),
        status: text(data.status),
      });
    case 'voice':
      return complete(base, { kind, stage: 'final', voiceId: text(field(data, SPELLINGS.voiceId)), status: text(data.status) });
    case 'recovery':
      return complete(base, { kind, stage: 'final', expiresAt, tracks: objects(body.data).map(recoveryTrack) });
    case 'result':
      // A legacy body on the `result` path has no resultJson: its `data` is the closest thing to a result.
      return complete(base, { kind, stage: 'final', model: market?.model ?? '', result: market === undefined ? (body.data ?? null) : market.result });
  }
}
