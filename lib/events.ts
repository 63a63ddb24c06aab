import type { AnswerCode } from './answer-codes.js';
import type { CallbackKind, CallbackStage } from './classify.js';
import type { SunoCallbackError } from './errors.js';

/** Fields every callback event carries, whatever the family and the provider's dialect. */
export interface BaseEvent<K extends CallbackKind | 'unknown' = CallbackKind | 'unknown', S extends CallbackStage = CallbackStage> {
  kind: K;
  taskId: string;
  stage: S;
  /** The provider's `code` (200 on success). */
  code: number;
  /** The provider's `msg`. */
  message: string;
  receivedAt: Date;
  /** The dedupe key, `<kind>:<taskId>:<stage>`. */
  key: string;
  /** The body exactly as received (parsed JSON; a Market body whose `param` echo was malformed lacks `param`). */
  body: unknown;
  /** The kie.ai Market model (`ai-music-api/generate`), on events from a Market job's callback only. */
  model?: string;
  /** Credits the Market job consumed (`consumeCredits` or `creditsConsumed`), on Market events that carry them. */
  creditsConsumed?: number;
}

/** Events whose links the provider deletes after 14 days: download before `expiresAt`. */
export interface AssetEvent {
  expiresAt: Date;
}

export interface MusicTrack {
  id: string;
  audioUrl: string;
  streamAudioUrl: string;
  imageUrl: string;
  /**
   * @deprecated The provider deprecated `source_audio_url` (docs.sunoapi.org, Recovery Audio): it points at the original
   * file, expires, and must not be stored or downloaded. Use `audioUrl`.
   */
  sourceAudioUrl?: string;
  /** @deprecated Like `sourceAudioUrl`: an expiring link to the original, not to be stored. Use `streamAudioUrl`. */
  sourceStreamAudioUrl?: string;
  /** @deprecated Like `sourceAudioUrl`: an expiring link to the original, not to be stored. Use `imageUrl`. */
  sourceImageUrl?: string;
  prompt: string;
  modelName: string;
  title: string;
  tags: string;
  createTime: string;
  /** Seconds; `null` when the provider left it out. */
  duration: number | null;
}

export interface MusicProgressEvent extends BaseEvent<'music', 'text' | 'first'>, AssetEvent {
  /** Tracks finished so far; empty at the `text` stage. */
  tracks: MusicTrack[];
}

export interface MusicReadyEvent extends BaseEvent<'music', 'complete'>, AssetEvent {
  tracks: MusicTrack[];
}

export interface LyricsItem {
  text: string;
  title: string;
  status: string;
  /** Set when this item failed even though the callback's `code` is 200. */
  error?: string;
}

export interface LyricsReadyEvent extends BaseEvent<'lyrics', 'complete'> {
  lyrics: LyricsItem[];
}

export interface CoverReadyEvent extends BaseEvent<'cover', 'final'>, AssetEvent {
  images: string[];
}

export interface WavReadyEvent extends BaseEvent<'wav', 'final'>, AssetEvent {
  wavUrl: string;
}

export type StemName =
  | 'vocal'
  | 'instrumental'
  | 'backingVocals'
  | 'bass'
  | 'brass'
  | 'drums'
  | 'fx'
  | 'guitar'
  | 'keyboard'
  | 'percussion'
  | 'strings'
  | 'synth'
  | 'woodwinds';

/** Known stems are typed; a stem the provider adds later still arrives under its camelCase name. */
export type Stems = { [name in StemName]?: string } & { [other: string]: string | undefined };

export interface StemsReadyEvent extends BaseEvent<'stems', 'final'>, AssetEvent {
  /**
   * `separate_vocal`: vocal and instrumental; `split_stem`: up to twelve instrument stems. Other modes the provider adds
   * (`split_stem_advanced`) arrive as they are named when the body names them, else as the closer of these two.
   */
  mode: 'separate_vocal' | 'split_stem' | (string & {});
  /** Stems with a URL; empty URLs are left out. */
  stems: Stems;
  originUrl?: string;
}

export interface MidiNote {
  pitch: number;
  /** Seconds, always a number (the provider mixes numbers and numeric strings). */
  start: number;
  end: number;
  velocity: number;
}

export interface MidiInstrument {
  name: string;
  notes: MidiNote[];
}

export interface MidiReadyEvent extends BaseEvent<'midi', 'final'> {
  instruments: MidiInstrument[];
}

export interface VideoReadyEvent extends BaseEvent<'video', 'final'>, AssetEvent {
  videoUrl: string;
}

export interface VoicePhraseReadyEvent extends BaseEvent<'voice-phrase', 'final'> {
  /** The phrase the user must record to validate their voice. */
  phrase: string;
  status: string;
}

export interface VoiceReadyEvent extends BaseEvent<'voice', 'final'> {
  voiceId: string;
  status: string;
}

export interface RecoveryTrack {
  id: string;
  /** The new, playable link (may be `.m4a`); empty when this track failed. */
  audioUrl: string;
  title: string;
  status: 'success' | 'failed';
  /** Why this track failed (`no_audio_id_mappings`, `clip_not_complete`, ...). */
  error?: string;
}

/** Recovery Audio (code 200): at least one track of an old music task has a fresh link; failed tracks are included. */
export interface RecoveryReadyEvent extends BaseEvent<'recovery', 'final'>, AssetEvent {
  tracks: RecoveryTrack[];
}

/** A Market model with no legacy callback (persona, timestamped lyrics, style boost, voice check). */
export interface ResultReadyEvent extends BaseEvent<'result', 'final'> {
  model: string;
  /** The decoded `resultJson`; `null` when the job sent none. */
  result: unknown;
}

/** An expected task that neither called back nor finished in time (see reconciliation). */
export interface TaskTimeoutEvent {
  kind: CallbackKind;
  taskId: string;
  expectedAt: Date;
}

export interface FailureEvent extends BaseEvent<CallbackKind | 'unknown', 'error'> {
  /** What the provider's `code` means, from its documentation. */
  reason: string;
  /** True for code 531: the generation failed and the credits were refunded. */
  creditsRefunded: boolean;
  /** The provider's own error text, when the body carries one. */
  detail?: string;
}

/** Every accepted callback, as the `callback` listeners see it; narrow it on `kind` and `stage`. */
export type CallbackEvent =
  | MusicProgressEvent
  | MusicReadyEvent
  | LyricsReadyEvent
  | CoverReadyEvent
  | WavReadyEvent
  | StemsReadyEvent
  | MidiReadyEvent
  | VideoReadyEvent
  | VoicePhraseReadyEvent
  | VoiceReadyEvent
  | RecoveryReadyEvent
  | ResultReadyEvent
  | FailureEvent;

/**
 * An authentic callback that fits no family, fails its family's schema, or is not even JSON: acknowledged and
 * reported, never dropped.
 */
export interface UnrecognizedEvent {
  kind: 'unknown';
  taskId?: string;
  code?: number;
  receivedAt: Date;
  key?: string;
  /** The parsed body; `undefined` when it is not JSON (see `raw`). */
  body: unknown;
  /** The body's text, when it is not valid JSON. */
  raw?: string;
  /** Why the body did not fit: the schema's messages, or the JSON parser's. */
  details?: string[];
  /** The family the body claimed (its path or its shape), when it then failed that family's schema. */
  claimedKind?: CallbackKind;
  model?: string;
}

export interface DuplicateEvent {
  key: string;
  kind: CallbackKind | 'unknown';
  taskId: string;
  stage: CallbackStage;
  receivedAt: Date;
}

export interface RejectedEvent {
  status: number;
  /** The `error` code of the answer (`invalid_signature`, `stale_timestamp`, ...). */
  error: AnswerCode;
  message: string;
  receivedAt: Date;
  /** What would most likely fix it, for a log: "clock off by 912 s ...". Absent when nothing needs fixing. */
  hint?: string;
}

/** The one map every event name and payload type comes from. */
export interface SunoEventMap {
  'music-progress': MusicProgressEvent;
  'music-ready': MusicReadyEvent;
  'lyrics-ready': LyricsReadyEvent;
  'cover-ready': CoverReadyEvent;
  'wav-ready': WavReadyEvent;
  'stems-ready': StemsReadyEvent;
  'midi-ready': MidiReadyEvent;
  'video-ready': VideoReadyEvent;
  'voice-phrase-ready': VoicePhraseReadyEvent;
  'voice-ready': VoiceReadyEvent;
  'recovery-ready': RecoveryReadyEvent;
  'result-ready': ResultReadyEvent;
  'task-timeout': TaskTimeoutEvent;
  failure: FailureEvent;
  callback: CallbackEvent;
  unrecognized: UnrecognizedEvent;
  duplicate: DuplicateEvent;
  rejected: RejectedEvent;
  error: SunoCallbackError;
}

export type SunoEventName = keyof SunoEventMap;

/**
 * A listener may be sync or async. A returned promise is awaited (and retried when it rejects); any other return value
 * is ignored, so `(event) => save(event)` fits whatever `save` returns.
 */
export type SunoListener<E extends SunoEventName> = (event: SunoEventMap[E]) => unknown;

/** The event name an accepted callback fires, besides `callback`. */
export function eventNameOf(
  event: CallbackEvent,
): Exclude<SunoEventName, 'callback' | 'unrecognized' | 'duplicate' | 'rejected' | 'error' | 'task-timeout'> {
  if (event.stage === 'error') return 'failure';
  switch (event.kind) {
    case 'music':
      return event.stage === 'complete' ? 'music-ready' : 'music-progress';
    case 'lyrics':
      return 'lyrics-ready';
    case 'cover':
      return 'cover-ready';
    case 'wav':
      return 'wav-ready';
    case 'stems':
      return 'stems-ready';
    case 'midi':
      return 'midi-ready';
    case 'video':
      return 'video-ready';
    case 'voice-phrase':
      return 'voice-phrase-ready';
    case 'voice':
      return 'voice-ready';
    case 'recovery':
      return 'recovery-ready';
    case 'result':
      return 'result-ready';
    default:
      return 'failure';
  }
}
