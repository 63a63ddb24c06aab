/**
 * The provider's field spellings, in one table. Two documentation sets (docs.sunoapi.org, docs.kie.ai) and the kie.ai
 * Market envelope describe the same service with different names; classification, normalisation, the schemas, the
 * testing builders and the CLI all read them from here, so a new dialect is one edit.
 *
 * Nothing here is a closed list that decides acceptance: model names (`V6`, `V6_WILD`, ...), `model_name` values and
 * stem modes (`split_stem_advanced`, ...) are passed through as text wherever they appear.
 */

/** Every callback family, as used in event `kind`s and per-kind paths (`/suno/callback/<kind>`). */
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
  'recovery',
  'result',
] as const;

export type CallbackKind = (typeof CALLBACK_KINDS)[number];

/** Where a task id can sit: a top-level field, or a field of `data`. */
export interface TaskIdField {
  readonly in: 'data' | undefined;
  readonly name: string;
  /** As printed by the CLI: `data.task_id`. */
  readonly label: string;
}

/**
 * The task id fields in the order the provider's signing code reads them (`data.task_id` first). The signature check,
 * the dedupe key, the raw-text scanner, `signCallback` and `suno-callbacks verify` all follow this order, so they agree
 * on which id a callback belongs to.
 */
export const TASK_ID_FIELDS: readonly TaskIdField[] = [
  { in: 'data', name: 'task_id', label: 'data.task_id' },
  { in: 'data', name: 'taskId', label: 'data.taskId' },
  { in: undefined, name: 'taskId', label: 'taskId' },
  { in: undefined, name: 'task_id', label: 'task_id' },
];

/**
 * Each normalised field and the spellings it arrives under, first match wins: snake_case on one doc set, camelCase on
 * the other, and the names the two sets chose differently for the same thing.
 */
export const SPELLINGS = {
  audioUrl: ['audio_url', 'audioUrl'],
  streamAudioUrl: ['stream_audio_url', 'streamAudioUrl'],
  imageUrl: ['image_url', 'imageUrl'],
  sourceAudioUrl: ['source_audio_url', 'sourceAudioUrl'],
  sourceStreamAudioUrl: ['source_stream_audio_url', 'sourceStreamAudioUrl'],
  sourceImageUrl: ['source_image_url', 'sourceImageUrl'],
  modelName: ['model_name', 'modelName'],
  createTime: ['createTime', 'create_time'],
  lyricsError: ['error_message', 'errorMessage'],
  wavUrl: ['audioWavUrl', 'audio_wav_url'],
  stemsInfo: ['vocal_removal_info', 'vocal_separation_info', 'vocalRemovalInfo', 'vocalSeparationInfo'],
  videoUrl: ['video_url', 'videoUrl'],
  phrase: ['validateInfo', 'validate_info'],
  voiceId: ['voiceId', 'voice_id'],
  /** Not in the documented bodies; believed when present, so a new mode needs no release. */
  stemMode: ['mode', 'type'],
  failureDetail: ['error', 'errorMessage', 'error_message'],
  trackError: ['error', 'error_message', 'errorMessage'],
} as const satisfies Record<string, readonly string[]>;

export type SpelledField = keyof typeof SPELLINGS;

/**
 * Fields of `data` that mark a family in a legacy callback (music and lyrics share `callbackType` and are told apart
 * by their items). Order matters only where a body could carry two; none documented does.
 */
export const KIND_MARKERS: ReadonlyArray<readonly [CallbackKind, readonly string[]]> = [
  ['cover', ['images']],
  ['wav', SPELLINGS.wavUrl],
  ['stems', SPELLINGS.stemsInfo],
  ['midi', ['instruments']],
  ['video', SPELLINGS.videoUrl],
  ['voice-phrase', SPELLINGS.phrase],
  ['voice', SPELLINGS.voiceId],
];

/** Item fields that make a `callbackType` item a music track rather than lyrics. */
export const TRACK_MARKERS = [...SPELLINGS.audioUrl, ...SPELLINGS.streamAudioUrl] as const;

/** The kie.ai Market envelope (`jobs/createTask`), common to every Market model; all of it lives in `data`. */
export const MARKET = {
  taskId: 'taskId',
  model: 'model',
  state: 'state',
  param: 'param',
  resultJson: 'resultJson',
  failCode: 'failCode',
  failMsg: 'failMsg',
  /** The docs spell it `consumeCredits`; live answers also carry `creditsConsumed`. */
  credits: ['consumeCredits', 'creditsConsumed'],
  remainedCredits: 'remainedCredits',
  costTime: 'costTime',
  completeTime: 'completeTime',
  createTime: 'createTime',
  updateTime: 'updateTime',
  /** `state` in a callback; `waiting`, `queuing` and `generating` are only seen when polling. */
  success: 'success',
  fail: 'fail',
} as const;

/** Every member name of the Market envelope's `data`: the param extractor only cuts up to one of these. */
export const MARKET_FIELDS: readonly string[] = [
  MARKET.taskId,
  MARKET.model,
  MARKET.state,
  MARKET.param,
  MARKET.resultJson,
  MARKET.failCode,
  MARKET.failMsg,
  ...MARKET.credits,
  MARKET.remainedCredits,
  MARKET.costTime,
  MARKET.completeTime,
  MARKET.createTime,
  MARKET.updateTime,
];

/** Market model names all start with this. */
export const MARKET_MODEL_PREFIX = 'ai-music-api/';

/**
 * The family of each Suno model on the Market (`ai-music-api/<name>`). `result` marks the models with no legacy
 * callback (persona, timestamped lyrics, style boost, voice check): they produce `result-ready`. A model missing here
 * is still accepted, as `result-ready` with its decoded result: the provider adds models without notice.
 */
export const MARKET_MODELS: Readonly<Record<string, CallbackKind>> = {
  generate: 'music',
  extend: 'music',
  'upload-and-cover-audio': 'music',
  'upload-and-extend-audio': 'music',
  'add-instrumental': 'music',
  'add-vocals': 'music',
  'replace-section': 'music',
  mashup: 'music',
  sounds: 'music',
  'generate-lyrics': 'lyrics',
  'cover-generate': 'cover',
  'convert-to-wav-format': 'wav',
  'separate-vocals': 'stems',
  'generate-midi-from-audio': 'midi',
  'create-music-video': 'video',
  'validation-phrase': 'voice-phrase',
  'regenerate-phrase': 'voice-phrase',
  'create-voice': 'voice',
  'suno-recovery-audio': 'recovery',
  'generate-persona': 'result',
  'timeStamped-lyrics': 'result',
  'boost-music-style': 'result',
  'check-voice': 'result',
};

/** The family of a Market model, `result` for a model this table does not know yet. */
export function marketKind(model: string): CallbackKind {
  const name = model.startsWith(MARKET_MODEL_PREFIX) ? model.slice(MARKET_MODEL_PREFIX.length) : model;
  return Object.hasOwn(MARKET_MODELS, name) ? (MARKET_MODELS[name] as CallbackKind) : 'result';
}

/** The Market model name of a family's first model, for builders and the CLI (`ai-music-api/generate` for music). */
export function marketModelOf(kind: CallbackKind): string {
  const name = Object.keys(MARKET_MODELS).find((model) => MARKET_MODELS[model] === kind) ?? 'generate-persona';
  return `${MARKET_MODEL_PREFIX}${name}`;
}

/** Per-track status values of Recovery Audio. */
export const RECOVERY_STATUS = { success: 'success', failed: 'failed' } as const;
