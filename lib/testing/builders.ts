import { randomBytes, randomUUID } from 'node:crypto';
import { isJsonObject } from '../classify.js';
import { CALLBACK_KINDS, MARKET, SPELLINGS, marketModelOf, type CallbackKind } from '../dialects.js';

/**
 * The two documentation sets describe the same service with different field names in places (docs.sunoapi.org and
 * docs.kie.ai). Real deliveries come in either, so a receiver must be tested with both. `market` wraps the body in
 * the kie.ai Market envelope (`jobs/createTask`, models `ai-music-api/*`), its result JSON-encoded in `resultJson`.
 */
export type CallbackDialect = 'sunoapi' | 'kie' | 'market';

/** The dialects, for option checks and the CLI. */
export const CALLBACK_DIALECTS: readonly CallbackDialect[] = ['sunoapi', 'kie', 'market'];

/**
 * A partial copy of `T` for overrides: objects merge key by key; an array of objects merges item by item
 * (`[, { title: 'B' }]` changes only the second track and keeps the others); any other array (of strings, or empty)
 * and any other value replaces; `undefined` removes the field, to imitate a delivery where the provider left it out.
 * Keys the type does not know are allowed: the provider adds fields.
 */
export type DeepPartial<T> = T extends ReadonlyArray<infer Item>
  ? Array<DeepPartial<Item>>
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined } & { [key: string]: unknown }
    : T;

/** Options every builder takes. */
export interface FixtureOptions<Data = Record<string, unknown>> {
  /** The task id, written where this family and dialect keep it. @default a random 32-hex id */
  taskId?: string;
  /** A failure body of this family, with the code its documentation shows. @default false */
  failed?: boolean;
  /** The provider's `code`; anything but 200 makes a failure body. @default 200, or the family's failure code */
  code?: number;
  /** The provider's `msg`. @default the documented message for this family, stage and outcome */
  msg?: string;
  /** Which documentation set's field names to use, where the two differ, or the Market envelope. @default 'sunoapi' */
  dialect?: CallbackDialect;
  /** Deep overrides merged into `data` (see `DeepPartial`); with `market`, into the legacy payload before encoding. */
  data?: DeepPartial<Data>;
  /** `market` only: the Market model. @default the family's first model, e.g. `ai-music-api/generate` */
  model?: string;
  /** `market` only: deep overrides merged into the envelope's `data` (`state`, `creditsConsumed`, ...). */
  market?: DeepPartial<MarketData>;
}

/** The kie.ai Market envelope's `data`. */
export interface MarketData {
  taskId: string;
  model: string;
  state: 'success' | 'fail';
  /** The request, JSON-encoded. */
  param: string;
  /** The result, JSON-encoded (the legacy payload for the Suno models); `null` on failure. */
  resultJson: string | null;
  failCode: string | null;
  failMsg: string | null;
  costTime: number;
  completeTime: number;
  createTime: number;
  updateTime: number;
  consumeCredits?: number;
  creditsConsumed?: number;
  remainedCredits: number;
}

/** A kie.ai Market callback. */
export interface MarketCallbackBody {
  code: number;
  msg: string;
  data: MarketData;
}

/** The body a builder returns for these options: the Market envelope when `dialect` is `market`. */
export type BodyFor<O, B> = O extends { dialect: 'market' } ? MarketCallbackBody : B;

export interface MusicTrackBody {
  id: string;
  audio_url: string;
  source_audio_url?: string;
  stream_audio_url: string;
  source_stream_audio_url?: string;
  image_url: string;
  source_image_url?: string;
  prompt: string;
  model_name: string;
  title: string;
  tags: string;
  createTime: string;
  duration: number;
}

export interface MusicCallbackBody {
  code: number;
  msg: string;
  data: {
    callbackType: 'text' | 'first' | 'complete' | 'error';
    task_id: string;
    data: MusicTrackBody[] | null;
    error?: string;
  };
}

export interface LyricsItemBody {
  text: string;
  title: string;
  status: string;
  /** docs.sunoapi.org */
  errorMessage?: string;
  /** docs.kie.ai */
  error_message?: string;
}

export interface LyricsCallbackBody {
  code: number;
  msg: string;
  data: {
    callbackType: 'complete' | 'error';
    /** docs.sunoapi.org */
    taskId?: string;
    /** docs.kie.ai */
    task_id?: string;
    data: LyricsItemBody[] | null;
  };
}

export interface CoverCallbackBody {
  code: number;
  msg: string;
  data: { taskId: string; images: string[] | null };
}

export interface WavCallbackBody {
  code: number;
  msg: string;
  data: { task_id: string; audioWavUrl: string | null };
}

/** `origin_url` plus `vocal_url`/`instrumental_url` (separate_vocal) or up to twelve instrument stems (split_stem). */
export interface StemUrlsBody {
  origin_url: string;
  vocal_url?: string;
  instrumental_url?: string;
  backing_vocals_url?: string;
  bass_url?: string;
  brass_url?: string;
  drums_url?: string;
  fx_url?: string;
  guitar_url?: string;
  keyboard_url?: string;
  percussion_url?: string;
  strings_url?: string;
  synth_url?: string;
  woodwinds_url?: string;
}

export interface StemsCallbackBody {
  code: number;
  msg: string;
  data: {
    task_id: string;
    /** docs.sunoapi.org */
    vocal_removal_info?: StemUrlsBody | null;
    /** docs.kie.ai */
    vocal_separation_info?: StemUrlsBody | null;
  };
}

export interface MidiNoteBody {
  pitch: number;
  /** Seconds; the provider mixes numbers and numeric strings. */
  start: number | string;
  end: number | string;
  velocity: number;
}

export interface MidiCallbackBody {
  /** docs.sunoapi.org keeps the task id at the top level. */
  task_id?: string;
  code: number;
  msg: string;
  data: {
    /** docs.kie.ai */
    taskId?: string;
    state?: string;
    instruments?: Array<{ name: string; notes: MidiNoteBody[] }>;
  } | null;
}

export interface VideoCallbackBody {
  code: number;
  msg: string;
  data: { task_id: string; video_url: string | null };
}

export interface VoicePhraseCallbackBody {
  code: number;
  msg: string;
  data: { taskId: string; validateInfo: string; status: string; errorCode: number; errorMessage: string };
}

export interface VoiceCallbackBody {
  code: number;
  msg: string;
  data: { taskId: string; voiceId: string; status: string; errorCode: number; errorMessage: string };
}

export interface RecoveryTrackBody {
  id: string;
  /** The new link (`.m4a` or `.mp3`); empty when the track failed. */
  audio_url: string;
  title: string;
  status: 'success' | 'failed';
  error: string;
}

/** Recovery Audio keeps the task id at the top level and its tracks in `data` itself. */
export interface RecoveryCallbackBody {
  code: number;
  msg: string;
  task_id: string;
  data: RecoveryTrackBody[];
}

/** A Market model with no legacy callback: always the Market envelope. */
export type ResultCallbackBody = MarketCallbackBody;

/** The body each builder returns, by callback family. */
export interface FixtureBodyMap {
  music: MusicCallbackBody;
  lyrics: LyricsCallbackBody;
  cover: CoverCallbackBody;
  wav: WavCallbackBody;
  stems: StemsCallbackBody;
  midi: MidiCallbackBody;
  video: VideoCallbackBody;
  'voice-phrase': VoicePhraseCallbackBody;
  voice: VoiceCallbackBody;
  recovery: RecoveryCallbackBody;
  result: ResultCallbackBody;
}

type DataOf<K extends CallbackKind> = NonNullable<FixtureBodyMap[K]['data']>;

export interface MusicFixtureOptions extends FixtureOptions<DataOf<'music'>> {
  /** Which of the three music callbacks; ignored for a failure (its `callbackType` is `error`). @default 'complete' */
  stage?: 'text' | 'first' | 'complete';
}

export interface StemsFixtureOptions extends FixtureOptions<DataOf<'stems'>> {
  /** Vocal and instrumental only, or up to twelve instrument stems. @default 'separate_vocal' */
  mode?: 'separate_vocal' | 'split_stem';
}

export interface RecoveryFixtureOptions extends FixtureOptions<Record<string, unknown>> {
  /** How many tracks; with `partial`, the last one failed. @default 1 */
  tracks?: number;
  /** A code 200 where some tracks failed. @default false */
  partial?: boolean;
}

export interface ResultFixtureOptions extends Omit<FixtureOptions<Record<string, unknown>>, 'dialect'> {
  /** Always the Market envelope: these models have no legacy callback. */
  dialect?: 'market';
  /** The decoded result, JSON-encoded into `resultJson`. @default a persona result */
  result?: unknown;
}

/** The options each builder takes, by callback family. */
export interface FixtureOptionsMap {
  music: MusicFixtureOptions;
  lyrics: FixtureOptions<DataOf<'lyrics'>>;
  cover: FixtureOptions<DataOf<'cover'>>;
  wav: FixtureOptions<DataOf<'wav'>>;
  stems: StemsFixtureOptions;
  midi: FixtureOptions<DataOf<'midi'>>;
  video: FixtureOptions<DataOf<'video'>>;
  'voice-phrase': FixtureOptions<DataOf<'voice-phrase'>>;
  voice: FixtureOptions<DataOf<'voice'>>;
  recovery: RecoveryFixtureOptions;
  result: ResultFixtureOptions;
}

/** The `fixtures` object: one builder per family, plus `build(kind, options)` to pick the family at run time. */
export interface Fixtures {
  music<O extends MusicFixtureOptions>(options?: O): BodyFor<O, MusicCallbackBody>;
  lyrics<O extends FixtureOptionsMap['lyrics']>(options?: O): BodyFor<O, LyricsCallbackBody>;
  cover<O extends FixtureOptionsMap['cover']>(options?: O): BodyFor<O, CoverCallbackBody>;
  wav<O extends FixtureOptionsMap['wav']>(options?: O): BodyFor<O, WavCallbackBody>;
  stems<O extends StemsFixtureOptions>(options?: O): BodyFor<O, StemsCallbackBody>;
  midi<O extends FixtureOptionsMap['midi']>(options?: O): BodyFor<O, MidiCallbackBody>;
  video<O extends FixtureOptionsMap['video']>(options?: O): BodyFor<O, VideoCallbackBody>;
  voicePhrase<O extends FixtureOptionsMap['voice-phrase']>(options?: O): BodyFor<O, VoicePhraseCallbackBody>;
  voice<O extends FixtureOptionsMap['voice']>(options?: O): BodyFor<O, VoiceCallbackBody>;
  /** Recovery Audio: fresh links for an old music task; `failed` gives code 500 with every track failed. */
  recovery<O extends RecoveryFixtureOptions>(options?: O): BodyFor<O, RecoveryCallbackBody>;
  /** A Market model with no legacy callback (`ai-music-api/generate-persona` by default). */
  result(options?: ResultFixtureOptions): ResultCallbackBody;
  build<K extends CallbackKind, O extends FixtureOptionsMap[K] = FixtureOptionsMap[K]>(kind: K, options?: O): BodyFor<O, FixtureBodyMap[K]>;
}

/** What every family's builder needs once the common options are checked. */
interface Resolved {
  taskId: string;
  dialect: CallbackDialect;
  failed: boolean;
  /** `undefined` means the family's documented code for the outcome. */
  code: number | undefined;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** The provider's task ids are 32 hexadecimal characters. */
function newTaskId(): string {
  return hex(16);
}

// Hosts and path patterns are the ones the documented bodies show for result files.
function tempFileUrl(extension: string): string {
  return `https://tempfile.aiquickdraw.com/s/${Math.floor(Date.now() / 1000)}_${hex(16)}${extension}`;
}

function stemUrl(label: string): string {
  return `https://file.aiquickdraw.com/s/${randomUUID()}_${label}.mp3`;
}

/** `YYYY-MM-DD HH:mm:ss`, the format of the music items' `createTime`. */
function createTime(): string {
  return new Date().toISOString().slice(0, 19).replace('T', ' ');
}

function resolve(kind: CallbackKind, options: FixtureOptions<unknown>): Resolved {
  const { taskId, failed, code, dialect = 'sunoapi' } = options;
  const where = `fixtures.${kind}()`;
  if (taskId !== undefined && (typeof taskId !== 'string' || taskId === '')) {
    throw new TypeError(`${where}: \`taskId\` must be a non-empty string; received ${JSON.stringify(taskId)}.`);
  }
  if (code !== undefined && (!Number.isInteger(code) || code < 0)) {
    throw new TypeError(`${where}: \`code\` must be an integer status code; received ${JSON.stringify(code)}.`);
  }
  if (!CALLBACK_DIALECTS.includes(dialect)) {
    throw new TypeError(`${where}: \`dialect\` must be ${CALLBACK_DIALECTS.map((name) => `'${name}'`).join(', ')}; received ${JSON.stringify(dialect)}.`);
  }
  if (failed === true && code === 200) {
    throw new TypeError(`${where}: \`failed: true\` needs a \`code\` other than 200 (any other code is a failure).`);
  }
  if (failed === false && code !== undefined && code !== 200) {
    throw new TypeError(`${where}: \`failed: false\` contradicts \`code: ${code}\`; every code but 200 is a failure.`);
  }
  return {
    taskId: taskId ?? newTaskId(),
    dialect,
    failed: failed === true || (code !== undefined && code !== 200),
    code,
  };
}

/** Applies `DeepPartial` semantics; returns fresh objects and arrays, so neither input is shared with the result. */
function merge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) {
    const items = patch.filter((item) => item !== undefined);
    // Tracks and lyrics items are tweaked one field at a time; a list of links or an empty list is meant as a whole.
    if (items.length === 0 || !items.every(isJsonObject)) return patch.map((item) => merge(undefined, item));
    const result: unknown[] = Array.isArray(base) ? [...base] : [];
    patch.forEach((item, index) => {
      if (item !== undefined) result[index] = merge(result[index], item);
    });
    return result;
  }
  if (isJsonObject(patch)) {
    const result: Record<string, unknown> = isJsonObject(base) ? { ...base } : {};
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete result[key];
      else result[key] = merge(result[key], value);
    }
    return result;
  }
  return patch;
}

function finish<B extends { code: number; msg: string; data: unknown }>(
  body: B,
  resolved: Resolved,
  options: FixtureOptions<unknown>,
): B {
  if (resolved.code !== undefined) body.code = resolved.code;
  if (options.msg !== undefined) body.msg = options.msg;
  if (options.data !== undefined) body.data = merge(body.data, options.data) as B['data'];
  return body;
}

function track(dialect: CallbackDialect, title: string, duration: number): MusicTrackBody {
  const audio = tempFileUrl('.mp3');
  const stream = `https://tempfile.aiquickdraw.com/s/${hex(16)}`;
  const image = tempFileUrl('.jpeg');
  const item: MusicTrackBody = {
    id: randomUUID(),
    audio_url: audio,
    source_audio_url: audio,
    stream_audio_url: stream,
    source_stream_audio_url: stream,
    image_url: image,
    source_image_url: image,
    prompt: '[Verse] Night city lights shining bright',
    model_name: 'chirp-v3-5',
    title,
    tags: 'electrifying, rock',
    createTime: createTime(),
    duration,
  };
  // Only docs.sunoapi.org shows the source_* copies of each link.
  if (dialect === 'kie') {
    delete item.source_audio_url;
    delete item.source_stream_audio_url;
    delete item.source_image_url;
  }
  return item;
}

const MUSIC_MESSAGES = {
  text: 'Text generation completed.',
  first: 'First track generated successfully.',
  complete: 'All generated successfully.',
} as const;

function music(options: MusicFixtureOptions = {}): MusicCallbackBody {
  const resolved = resolve('music', options);
  const stage = options.stage ?? 'complete';
  if (stage !== 'text' && stage !== 'first' && stage !== 'complete') {
    throw new TypeError(`fixtures.music(): \`stage\` must be 'text', 'first' or 'complete'; received ${JSON.stringify(stage)}.`);
  }
  const { dialect, taskId } = resolved;
  if (resolved.failed) {
    // docs.sunoapi.org shows `data: null` and code 400; docs.kie.ai shows `data: []` and code 501.
    return finish(
      dialect === 'kie'
        ? { code: 501, msg: 'Audio generation failed.', data: { callbackType: 'error', task_id: taskId, data: [] } }
        : { code: 400, msg: 'Music generation failed', data: { callbackType: 'error', task_id: taskId, data: null } },
      resolved,
      options,
    );
  }
  const tracks: MusicTrackBody[] = [];
  if (stage !== 'text') tracks.push(track(dialect, 'Iron Man', 198.44));
  if (stage === 'complete') tracks.push(track(dialect, 'Iron Man', 228.28));
  return finish(
    { code: 200, msg: MUSIC_MESSAGES[stage], data: { callbackType: stage, task_id: taskId, data: tracks } },
    resolved,
    options,
  );
}

function lyrics(options: FixtureOptionsMap['lyrics'] = {}): LyricsCallbackBody {
  const resolved = resolve('lyrics', options);
  const { dialect, taskId } = resolved;
  if (dialect === 'kie') {
    if (resolved.failed) {
      // docs.kie.ai keeps `callbackType: complete` on failure: only the code (and a route hint) tell.
      return finish(
        {
          code: 400,
          msg: 'Song Description flagged for moderation',
          data: { callbackType: 'complete', task_id: taskId, data: null },
        },
        resolved,
        options,
      );
    }
    return finish(
      {
        code: 200,
        msg: 'All generated successfully.',
        data: {
          callbackType: 'complete',
          task_id: taskId,
          data: [
            {
              error_message: '',
              status: 'complete',
              text: '[Verse]\nMoonlight spreads across the windowsill\nStars dance, never standing still',
              title: 'Starry Night Dreams',
            },
          ],
        },
      },
      resolved,
      options,
    );
  }
  if (resolved.failed) {
    return finish(
      { code: 400, msg: 'Lyrics generation failed', data: { callbackType: 'error', taskId, data: null } },
      resolved,
      options,
    );
  }
  return finish(
    {
      code: 200,
      msg: 'All generated successfully.',
      data: {
        callbackType: 'complete',
        taskId,
        data: [
          {
            text: "[Verse]\nWalking through the city's darkest night\nWith dreams burning like a blazing fire",
            title: 'Iron Man',
            status: 'complete',
            errorMessage: '',
          },
          {
            text: '[Verse]\nWind is calling out my name\nSteel armor shining in the light',
            title: 'Iron Man',
            status: 'complete',
            errorMessage: '',
          },
        ],
      },
    },
    resolved,
    options,
  );
}

function cover(options: FixtureOptionsMap['cover'] = {}): CoverCallbackBody {
  const resolved = resolve('cover', options);
  const { taskId } = resolved;
  if (resolved.failed) {
    return finish({ code: 501, msg: 'Cover generation failed', data: { taskId, images: null } }, resolved, options);
  }
  return finish(
    { code: 200, msg: 'success', data: { images: [tempFileUrl('.png'), tempFileUrl('.png')], taskId } },
    resolved,
    options,
  );
}

function wav(options: FixtureOptionsMap['wav'] = {}): WavCallbackBody {
  const resolved = resolve('wav', options);
  const { taskId } = resolved;
  if (resolved.failed) {
    const body = { code: 400, msg: 'WAV format conversion failed', data: { audioWavUrl: null, task_id: taskId } };
    return finish(body, resolved, options);
  }
  return finish({ code: 200, msg: 'success', data: { audioWavUrl: tempFileUrl('.wav'), task_id: taskId } }, resolved, options);
}

const SPLIT_STEMS: ReadonlyArray<[keyof StemUrlsBody, string]> = [
  ['backing_vocals_url', 'Backing_Vocals'],
  ['bass_url', 'Bass'],
  ['brass_url', 'Brass'],
  ['drums_url', 'Drums'],
  ['fx_url', 'FX'],
  ['guitar_url', 'Guitar'],
  ['keyboard_url', 'Keyboard'],
  ['percussion_url', 'Percussion'],
  ['strings_url', 'Strings'],
  ['synth_url', 'Synth'],
  ['vocal_url', 'Vocals'],
  ['woodwinds_url', 'Woodwinds'],
];

function stems(options: StemsFixtureOptions = {}): StemsCallbackBody {
  const resolved = resolve('stems', options);
  const mode = options.mode ?? 'separate_vocal';
  if (mode !== 'separate_vocal' && mode !== 'split_stem') {
    throw new TypeError(`fixtures.stems(): \`mode\` must be 'separate_vocal' or 'split_stem'; received ${JSON.stringify(mode)}.`);
  }
  const { dialect, taskId } = resolved;
  // docs.sunoapi.org calls the result `vocal_removal_info`, docs.kie.ai `vocal_separation_info`.
  const [sunoapiInfo, kieInfo] = SPELLINGS.stemsInfo;
  const infoKey = dialect === 'sunoapi' ? sunoapiInfo : kieInfo;
  if (resolved.failed) {
    return finish(
      dialect === 'kie'
        ? { code: 500, msg: 'Instrument separation failed', data: { task_id: taskId, [infoKey]: null } }
        : { code: 400, msg: 'Vocal separation failed', data: { task_id: taskId, [infoKey]: null } },
      resolved,
      options,
    );
  }
  const info: StemUrlsBody = { origin_url: '' };
  if (mode === 'separate_vocal') {
    info.instrumental_url = stemUrl('Instrumental');
    info.vocal_url = stemUrl('Vocals');
  } else {
    for (const [key, label] of SPLIT_STEMS) info[key] = stemUrl(label);
  }
  const msg = dialect === 'kie' ? 'vocal separation generated successfully.' : 'vocal Removal generated successfully.';
  return finish({ code: 200, msg, data: { task_id: taskId, [infoKey]: info } }, resolved, options);
}

function midiInstruments(dialect: CallbackDialect): Array<{ name: string; notes: MidiNoteBody[] }> {
  // Times mix numeric strings and numbers, as in the documented bodies (and real deliveries).
  const drums = {
    name: 'Drums',
    notes: [
      { pitch: 73, start: '0.036458333333333336', end: '0.18229166666666666', velocity: 1 },
      { pitch: 61, start: 0.046875, end: '0.19270833333333334', velocity: 1 },
      { pitch: 73, start: 0.1875, end: '0.4895833333333333', velocity: 1 },
    ],
  };
  if (dialect === 'kie') return [drums];
  const bass = {
    name: 'Electric Bass (finger)',
    notes: [
      { pitch: 44, start: 7.6875, end: '7.911458333333333', velocity: 1 },
      { pitch: 56, start: 7.6875, end: '7.911458333333333', velocity: 1 },
      { pitch: 51, start: 7.6875, end: '7.911458333333333', velocity: 1 },
    ],
  };
  return [drums, bass];
}

function midi(options: FixtureOptionsMap['midi'] = {}): MidiCallbackBody {
  const resolved = resolve('midi', options);
  const { dialect, taskId } = resolved;
  if (dialect === 'kie') {
    // docs.kie.ai's failure carries nothing but the task id: only a route hint tells it is MIDI.
    if (resolved.failed) return finish({ code: 500, msg: 'MIDI generation failed', data: { taskId } }, resolved, options);
    return finish(
      { code: 200, msg: 'success', data: { taskId, state: 'complete', instruments: midiInstruments(dialect) } },
      resolved,
      options,
    );
  }
  if (resolved.failed) {
    return finish({ task_id: taskId, code: 500, msg: 'MIDI generation failed', data: null }, resolved, options);
  }
  return finish(
    { task_id: taskId, code: 200, msg: 'success', data: { state: 'complete', instruments: midiInstruments(dialect) } },
    resolved,
    options,
  );
}

function video(options: FixtureOptionsMap['video'] = {}): VideoCallbackBody {
  const resolved = resolve('video', options);
  const { dialect, taskId } = resolved;
  if (resolved.failed) {
    return finish(
      dialect === 'kie'
        ? { code: 500, msg: 'Internal Error - Please try again later', data: { task_id: taskId, video_url: null } }
        : { code: 400, msg: 'Music video generation failed', data: { task_id: taskId, video_url: null } },
      resolved,
      options,
    );
  }
  return finish(
    { code: 200, msg: 'MP4 generated successfully.', data: { task_id: taskId, video_url: tempFileUrl('.mp4') } },
    resolved,
    options,
  );
}

function voicePhrase(options: FixtureOptionsMap['voice-phrase'] = {}): VoicePhraseCallbackBody {
  const resolved = resolve('voice-phrase', options);
  const { taskId } = resolved;
  if (resolved.failed) {
    return finish(
      {
        code: 400,
        msg: 'Validation phrase generation failed',
        data: {
          taskId,
          validateInfo: '',
          status: 'processing_validate_fail',
          errorCode: 500,
          errorMessage: 'Failed to generate validation phrase',
        },
      },
      resolved,
      options,
    );
  }
  return finish(
    {
      code: 200,
      msg: 'success',
      data: {
        taskId,
        validateInfo: 'Please record this validation phrase clearly.',
        status: 'wait_validating',
        errorCode: 0,
        errorMessage: '',
      },
    },
    resolved,
    options,
  );
}

function voice(options: FixtureOptionsMap['voice'] = {}): VoiceCallbackBody {
  const resolved = resolve('voice', options);
  const { taskId } = resolved;
  if (resolved.failed) {
    return finish(
      {
        code: 400,
        msg: 'Voice generation failed',
        data: {
          taskId,
          voiceId: '',
          status: 'fail',
          errorCode: 500,
          errorMessage: 'Verification audio did not match the validation phrase',
        },
      },
      resolved,
      options,
    );
  }
  return finish(
    { code: 200, msg: 'success', data: { taskId, voiceId: `voice_${hex(8)}`, status: 'success', errorCode: 0, errorMessage: '' } },
    resolved,
    options,
  );
}

function recovery(options: RecoveryFixtureOptions = {}): RecoveryCallbackBody {
  const resolved = resolve('recovery', options);
  const count = options.tracks ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new TypeError(`fixtures.recovery(): \`tracks\` must be a whole number from 1 to 100; received ${JSON.stringify(count)}.`);
  }
  const failedTrack = (index: number): RecoveryTrackBody => ({
    id: randomUUID(),
    audio_url: '',
    title: 'Sunrise Love',
    status: 'failed',
    error: index % 2 === 0 ? 'no_audio_id_mappings' : 'clip_not_complete',
  });
  const data = Array.from({ length: count }, (_, index): RecoveryTrackBody => {
    if (resolved.failed || (options.partial === true && index === count - 1 && count > 1)) return failedTrack(index);
    // Recovered audio may come back as .m4a rather than .mp3.
    return { id: randomUUID(), audio_url: tempFileUrl('.m4a'), title: 'Sunrise Love', status: 'success', error: '' };
  });
  const body: RecoveryCallbackBody = resolved.failed
    ? { code: 500, msg: 'failed', task_id: resolved.taskId, data }
    : { code: 200, msg: 'success', task_id: resolved.taskId, data };
  if (resolved.code !== undefined) body.code = resolved.code;
  if (options.msg !== undefined) body.msg = options.msg;
  if (options.data !== undefined) Object.assign(body, merge({}, options.data));
  return body;
}

/** The decoded result a Market model with no legacy callback sends (a persona, by default). */
const PERSONA_RESULT = { personaId: 'persona_7f1c2b', name: 'Night Rider', description: 'Gritty rock vocals' };

/**
 * What a Market job's `resultJson` holds for a legacy family: for music and lyrics the flat shape observed live
 * (`{ code, data: [items], msg, task_id }`), for the others the legacy callback body itself.
 */
function marketResult(kind: CallbackKind, legacy: { code: number; msg: string; data: unknown }, taskId: string): unknown {
  if ((kind === 'music' || kind === 'lyrics') && isJsonObject(legacy.data)) {
    return { code: 200, data: legacy.data.data ?? [], msg: 'success', task_id: taskId };
  }
  return legacy;
}

/** Wraps a result in the Market envelope, the way kie.ai's `jobs/createTask` calls back. */
function marketEnvelope(
  kind: CallbackKind,
  result: unknown,
  resolved: Resolved,
  options: FixtureOptions<unknown>,
  failureCode: number,
): MarketCallbackBody {
  const model = options.model ?? marketModelOf(kind);
  const now = Date.now();
  const failed = resolved.failed;
  const data: MarketData = {
    taskId: resolved.taskId,
    model,
    state: failed ? MARKET.fail : MARKET.success,
    param: JSON.stringify({ callBackUrl: 'https://your-domain.com/api/callback', model, input: { prompt: 'A rock song about an iron man' } }),
    resultJson: failed ? null : JSON.stringify(result),
    failCode: failed ? String(resolved.code ?? failureCode) : null,
    failMsg: failed ? 'Internal server error' : null,
    costTime: 59,
    completeTime: now,
    createTime: now - 59_000,
    updateTime: now,
    consumeCredits: failed ? 0 : 12,
    remainedCredits: 2_510_330,
  };
  const body: MarketCallbackBody = failed
    ? { code: 501, msg: 'Playground task failed.', data }
    : { code: 200, msg: 'Playground task completed successfully.', data };
  if (options.msg !== undefined) body.msg = options.msg;
  if (options.market !== undefined) body.data = merge(body.data, options.market) as MarketData;
  return body;
}

/** A builder that also speaks the Market dialect: the legacy body (kie.ai names), encoded into the envelope. */
function withMarket<K extends Exclude<CallbackKind, 'result'>>(
  kind: K,
  build: (options?: FixtureOptionsMap[K]) => FixtureBodyMap[K],
): (options?: FixtureOptionsMap[K]) => FixtureBodyMap[K] | MarketCallbackBody {
  return (options) => {
    if (options?.dialect !== 'market') return build(options);
    const legacyOptions = { ...options, dialect: 'kie' as const };
    const resolved = resolve(kind, options);
    legacyOptions.taskId = resolved.taskId;
    // The legacy failure code travels as `failCode`; the envelope's own code is 501.
    const legacy = build(legacyOptions as FixtureOptionsMap[K]) as { code: number; msg: string; data: unknown };
    return marketEnvelope(kind, marketResult(kind, legacy, resolved.taskId), resolved, options, legacy.code);
  };
}

function result(options: ResultFixtureOptions = {}): ResultCallbackBody {
  const resolved = resolve('result', options);
  const model = options.model ?? marketModelOf('result');
  return marketEnvelope('result', options.result ?? PERSONA_RESULT, resolved, { ...options, model }, 500);
}

const BUILDERS: { [K in CallbackKind]: (options?: FixtureOptionsMap[K]) => FixtureBodyMap[K] | MarketCallbackBody } = {
  music: withMarket('music', music),
  lyrics: withMarket('lyrics', lyrics),
  cover: withMarket('cover', cover),
  wav: withMarket('wav', wav),
  stems: withMarket('stems', stems),
  midi: withMarket('midi', midi),
  video: withMarket('video', video),
  'voice-phrase': withMarket('voice-phrase', voicePhrase),
  voice: withMarket('voice', voice),
  recovery: withMarket('recovery', recovery),
  result,
};

/** The public, dialect-typed form of a family's builder. */
function typed<K extends CallbackKind>(kind: K) {
  return <O extends FixtureOptionsMap[K]>(options?: O): BodyFor<O, FixtureBodyMap[K]> =>
    (BUILDERS[kind] as (options?: O) => BodyFor<O, FixtureBodyMap[K]>)(options);
}

/**
 * Realistic callback bodies of every family, stage and outcome, in either documented dialect, with fresh 32-hex task
 * ids and file links on every call. Sign them with `signCallback` and POST them to your app to test your listeners.
 *
 * @example
 * const body = fixtures.music({ stage: 'first', taskId: 'd2b1c4e0a9f84c1e8f5a6b7c8d9e0f1a' });
 * const failed = fixtures.video({ failed: true, dialect: 'kie' });
 * const refunded = fixtures.cover({ code: 531, msg: 'Credits refunded' });
 * const market = fixtures.music({ dialect: 'market' }); // kie.ai Market envelope, model ai-music-api/generate
 * const recovered = fixtures.recovery({ tracks: 2, partial: true });
 * const titled = fixtures.music({ data: { data: [{ title: 'My Song' }] } }); // first track's title only
 */
export const fixtures: Fixtures = {
  music: typed('music'),
  lyrics: typed('lyrics'),
  cover: typed('cover'),
  wav: typed('wav'),
  stems: typed('stems'),
  midi: typed('midi'),
  video: typed('video'),
  voicePhrase: typed('voice-phrase'),
  voice: typed('voice'),
  recovery: typed('recovery'),
  result,
  build<K extends CallbackKind, O extends FixtureOptionsMap[K] = FixtureOptionsMap[K]>(kind: K, options?: O): BodyFor<O, FixtureBodyMap[K]> {
    if (!(CALLBACK_KINDS as readonly string[]).includes(kind)) {
      throw new TypeError(`fixtures.build(): unknown kind ${JSON.stringify(kind)}; expected one of ${CALLBACK_KINDS.join(', ')}.`);
    }
    return typed(kind)(options);
  },
};
