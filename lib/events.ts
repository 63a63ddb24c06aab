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
  /** The body exactly as received (parsed JSON). */
  body: unknown;
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
  sourceAudioUrl?: string;
  sourceStreamAudioUrl?: string;
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
  /** `separate_vocal`: vocal and instrumental; `split_stem`: up to twelve instrument stems. */
  mode: 'separate_vocal' | 'split_stem';
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
  | FailureEvent;

/** An authentic JSON object that fits no family: acknowledged and reported, never dropped. */
export interface UnrecognizedEvent {
  kind: 'unknown';
  taskId?: string;
  code?: number;
  receivedAt: Date;
  key?: string;
  body: unknown;
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
  error: string;
  message: string;
  receivedAt: Date;
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
): Exclude<SunoEventName, 'callback' | 'unrecognized' | 'duplicate' | 'rejected' | 'error'> {
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
    default:
      return 'failure';
  }
}
