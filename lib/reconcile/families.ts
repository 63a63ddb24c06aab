import { isJsonObject, type JsonObject } from '../classify.js';

/**
 * The provider's details endpoints, one per family, and how each answer maps onto the callback it stands for.
 *
 * Polling answers are camelCase and wrapped in a status record (`data.status` / `data.successFlag`, results under
 * `data.response`); callbacks are snake_case (or the kie.ai dialect) with the results in `data`. Each reader below
 * rebuilds the callback body, so that the one classifier and normaliser that handle callbacks handle polls too, and a
 * poll and its callback share a dedupe key. Sources: docs/reconcile.md ("Endpoints").
 */

/** Which of the provider's APIs created the task: the per-family endpoints, or kie.ai's Market jobs. */
export type PollApi = 'legacy' | 'market';

/** What one polled answer says about the task. */
export type Reading =
  /** Not finished yet: poll again later. */
  | { state: 'running' }
  /** A progress stage with results (music `text` / `first`): deliver it, and keep polling. */
  | { state: 'progress'; body: JsonObject }
  /** Finished, in success or failure: `body` is the callback the provider would have sent. */
  | { state: 'finished'; body: JsonObject }
  /** The API refused the query itself (wrong key, unknown task, maintenance): `code` is its status code. */
  | { state: 'refused'; code: number; message: string };

interface Family {
  path: string;
  /** The documentation page the endpoint and its answer come from. */
  source: string;
  read(answer: JsonObject, taskId: string): Reading;
}

const RUNNING: Reading = { state: 'running' };

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function objectOf(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * camelCase keys to the callbacks' snake_case. Generic rather than a list of known fields: a field the provider adds
 * to both shapes later still arrives.
 */
function snakeKeys(object: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(object)) result[snakeCase(key)] = value;
  return result;
}

function envelopeCode(answer: JsonObject): number | undefined {
  const { code } = answer;
  if (typeof code === 'number' && Number.isInteger(code)) return code;
  if (typeof code === 'string' && /^\d{1,4}$/.test(code)) return Number(code);
  return undefined;
}

function envelopeMessage(answer: JsonObject): string {
  // Legacy answers say `msg`; Market query answers say `message`.
  return text(answer.msg ?? answer.message);
}

/** A refusal of the query itself; `undefined` when the envelope says 200 and the record can be read. */
function refusal(answer: JsonObject): Reading | undefined {
  const code = envelopeCode(answer);
  if (code === 200) return undefined;
  return { state: 'refused', code: code ?? 0, message: envelopeMessage(answer) || 'no code in the answer' };
}

/**
 * The code a failure callback would carry: the record's own `errorCode` when it names a failure, else 400 for
 * moderation (the docs list content violations under 400) and 501 ("generation failed") for the rest.
 */
function failureCode(record: JsonObject, status: string): number {
  const code = record.errorCode;
  if (typeof code === 'number' && Number.isInteger(code) && code !== 200 && code > 0) return code;
  if (typeof code === 'string' && /^\d{3}$/.test(code) && code !== '200') return Number(code);
  return /SENSITIVE/.test(status) ? 400 : 501;
}

function failureMessage(record: JsonObject, status: string): string {
  return text(record.errorMessage) || status || 'failed';
}

type Verdict = 'running' | 'success' | 'failure';

/**
 * The string statuses of the legacy records (`PENDING`, `TEXT_SUCCESS`, `SUCCESS`, `GENERATE_AUDIO_FAILED`, ...).
 * `CALLBACK_EXCEPTION` means the task ran but its callback failed: exactly the case to reconcile, a success when the
 * results are there. A status nobody documented yet counts as running, so new vocabulary delays rather than fails.
 */
function verdictOf(status: string, hasResult: boolean): Verdict {
  if (status === 'SUCCESS') return 'success';
  if (status === 'CALLBACK_EXCEPTION') return hasResult ? 'success' : 'failure';
  if (/FAIL|ERROR/.test(status)) return 'failure';
  return 'running';
}

/** The numeric `successFlag` of cover and MIDI records: 0 pending, 1 success, 2 generating (cover), 2/3 failed. */
function numericVerdict(flag: unknown, failedFlags: readonly number[]): Verdict {
  const value = typeof flag === 'string' && /^\d+$/.test(flag) ? Number(flag) : flag;
  if (value === 1) return 'success';
  if (typeof value === 'number' && failedFlags.includes(value)) return 'failure';
  if (typeof value === 'string') return verdictOf(value.toUpperCase(), true);
  return 'running';
}

/** The record of a legacy answer, or the refusal; `null` data (still queued) reads as running. */
function recordOf(answer: JsonObject): JsonObject | Reading {
  const refused = refusal(answer);
  if (refused !== undefined) return refused;
  return isJsonObject(answer.data) ? answer.data : RUNNING;
}

function isReading(value: JsonObject | Reading): value is Reading {
  return typeof value.state === 'string' && (value.state === 'running' || value.state === 'refused');
}

/** A one-shot family: success gives `success(record)` as `data`, failure gives `failure` as `data`. */
function oneShot(
  path: string,
  source: string,
  verdict: (record: JsonObject) => Verdict,
  success: (record: JsonObject, taskId: string) => JsonObject,
  failure: (taskId: string, record: JsonObject) => JsonObject,
): Family {
  return {
    path,
    source,
    read(answer, taskId) {
      const record = recordOf(answer);
      if (isReading(record)) return record;
      const outcome = verdict(record);
      if (outcome === 'running') return RUNNING;
      if (outcome === 'success') {
        return { state: 'finished', body: { code: 200, msg: envelopeMessage(answer) || 'success', data: success(record, taskId) } };
      }
      const status = text(record.status ?? record.successFlag).toUpperCase();
      const data = { ...failure(taskId, record), errorMessage: failureMessage(record, status) };
      return { state: 'finished', body: { code: failureCode(record, status), msg: failureMessage(record, status), data } };
    },
  };
}

function stringStatus(field: 'status' | 'successFlag', hasResult: (record: JsonObject) => boolean) {
  return (record: JsonObject): Verdict => {
    const value = record[field];
    // The docs show strings here and numbers for cover and MIDI; a number arriving here reads like theirs.
    if (typeof value === 'number') return numericVerdict(value, [2, 3]);
    return verdictOf(text(value).toUpperCase(), hasResult(record));
  };
}

const responseOf = (record: JsonObject): JsonObject => objectOf(record.response);

const music: Family = {
  path: '/api/v1/generate/record-info',
  source: 'https://docs.sunoapi.org/suno-api/get-music-generation-details ; https://docs.kie.ai/suno-api/get-music-details',
  read(answer, taskId) {
    const record = recordOf(answer);
    if (isReading(record)) return record;
    const status = text(record.status).toUpperCase();
    const raw = responseOf(record).sunoData;
    const tracks = Array.isArray(raw) ? raw.filter(isJsonObject).map(snakeKeys) : [];
    const body = (callbackType: string): JsonObject => ({
      code: 200,
      msg: envelopeMessage(answer) || 'success',
      data: { callbackType, task_id: taskId, data: tracks },
    });
    if (status === 'TEXT_SUCCESS') return { state: 'progress', body: body('text') };
    if (status === 'FIRST_SUCCESS') return { state: 'progress', body: body('first') };
    const verdict = verdictOf(status, tracks.some((track) => text(track.audio_url) !== ''));
    if (verdict === 'running') return RUNNING;
    if (verdict === 'success') return { state: 'finished', body: body('complete') };
    const message = failureMessage(record, status);
    return {
      state: 'finished',
      body: { code: failureCode(record, status), msg: message, data: { callbackType: 'error', task_id: taskId, data: [], errorMessage: message } },
    };
  },
};

const lyrics: Family = {
  path: '/api/v1/lyrics/record-info',
  source: 'https://docs.sunoapi.org/suno-api/get-lyrics-generation-details ; https://docs.kie.ai/suno-api/get-lyrics-details',
  read(answer, taskId) {
    const record = recordOf(answer);
    if (isReading(record)) return record;
    const status = text(record.status).toUpperCase();
    const raw = responseOf(record).data;
    const items = Array.isArray(raw) ? raw.filter(isJsonObject).map(snakeKeys) : [];
    const verdict = verdictOf(status, items.length > 0);
    if (verdict === 'running') return RUNNING;
    if (verdict === 'success') {
      const data = { callbackType: 'complete', taskId, data: items };
      return { state: 'finished', body: { code: 200, msg: envelopeMessage(answer) || 'success', data } };
    }
    const message = failureMessage(record, status);
    const data = { callbackType: 'error', taskId, data: [], errorMessage: message };
    return { state: 'finished', body: { code: failureCode(record, status), msg: message, data } };
  },
};

const wav = oneShot(
  '/api/v1/wav/record-info',
  'https://docs.sunoapi.org/suno-api/get-wav-conversion-details ; https://docs.kie.ai/suno-api/get-wav-details',
  stringStatus('successFlag', (record) => text(responseOf(record).audioWavUrl) !== ''),
  (record, taskId) => ({ task_id: taskId, audioWavUrl: responseOf(record).audioWavUrl }),
  (taskId) => ({ task_id: taskId, audioWavUrl: null }),
);

const stems = oneShot(
  '/api/v1/vocal-removal/record-info',
  'https://docs.sunoapi.org/suno-api/get-vocal-separation-details ; https://docs.kie.ai/suno-api/get-vocal-separation-details',
  stringStatus('successFlag', (record) => Object.keys(responseOf(record)).length > 0),
  (record, taskId) => ({ task_id: taskId, vocal_removal_info: snakeKeys(responseOf(record)) }),
  (taskId) => ({ task_id: taskId, vocal_removal_info: null }),
);

const midi = oneShot(
  '/api/v1/midi/record-info',
  'https://docs.sunoapi.org/suno-api/get-midi-details ; https://docs.kie.ai/suno-api/get-midi-details',
  (record) => numericVerdict(record.successFlag, [2, 3]),
  (record, taskId) => ({ taskId, ...objectOf(record.midiData) }),
  (taskId) => ({ taskId }),
);

const video = oneShot(
  '/api/v1/mp4/record-info',
  'https://docs.sunoapi.org/suno-api/get-music-video-details ; https://docs.kie.ai/suno-api/get-music-video-details',
  stringStatus('successFlag', (record) => text(responseOf(record).videoUrl) !== ''),
  (record, taskId) => ({ task_id: taskId, video_url: responseOf(record).videoUrl }),
  (taskId) => ({ task_id: taskId, video_url: null }),
);

const cover = oneShot(
  '/api/v1/suno/cover/record-info',
  'https://docs.sunoapi.org/suno-api/get-cover-suno-details ; https://docs.kie.ai/suno-api/get-cover-suno-details',
  (record) => numericVerdict(record.successFlag, [3]),
  (record, taskId) => ({ taskId, images: responseOf(record).images ?? [] }),
  (taskId) => ({ taskId, images: null }),
);

/** Voice records keep the callback's own fields (`taskId`, `voiceId`, `status`, `errorCode`, `errorMessage`). */
function voiceVerdict(done: readonly string[]) {
  return (record: JsonObject): Verdict => {
    const status = text(record.status).toLowerCase();
    if (done.includes(status)) return 'success';
    if (status === 'fail' || status.endsWith('_fail')) return 'failure';
    return 'running';
  };
}

const voice = oneShot(
  '/api/v1/voice/record-info',
  'https://docs.sunoapi.org/suno-api/suno-voice-record-info',
  voiceVerdict(['success']),
  (record, taskId) => ({ ...record, taskId }),
  (taskId, record) => ({ ...record, taskId }),
);

const voicePhrase = oneShot(
  '/api/v1/voice/validate-info',
  'https://docs.sunoapi.org/suno-api/suno-voice-validate-info',
  // The phrase is ready for the user at `wait_validating`; `success` means the whole voice flow went on from there.
  voiceVerdict(['wait_validating', 'success']),
  (record, taskId) => ({ ...record, taskId }),
  (taskId, record) => ({ ...record, taskId }),
);

/**
 * Recovery answers in the callback's own shape (top-level `task_id`, `data` the list of tracks); its `code` is the
 * task's state: 201 still running (`data` null), 200 at least one track recovered, 500 every track failed.
 */
const recovery: Family = {
  path: '/api/v1/suno/recovery/record-info',
  source: 'https://docs.sunoapi.org/suno-api/get-recovery-audio-details',
  read(answer, taskId) {
    const code = envelopeCode(answer);
    if (code === 201) return RUNNING;
    if ((code === 200 || code === 500) && Array.isArray(answer.data)) {
      return { state: 'finished', body: { ...answer, task_id: taskId } };
    }
    if (code === 200) return RUNNING;
    return { state: 'refused', code: code ?? 0, message: envelopeMessage(answer) || 'no code in the answer' };
  },
};

/** Legacy details endpoints by family. */
export const LEGACY_FAMILIES: Readonly<Record<string, Family>> = {
  music,
  lyrics,
  wav,
  stems,
  midi,
  video,
  cover,
  voice,
  'voice-phrase': voicePhrase,
  recovery,
};

/**
 * kie.ai Market: one endpoint for every model. The record IS the callback's `data` (`taskId`, `model`, `state`,
 * `param`, `resultJson`, `failCode`, `failMsg`, ...); the callback's `code` is 200 on success and 501 on failure.
 */
export const MARKET_FAMILY: Family = {
  path: '/api/v1/jobs/recordInfo',
  source: 'https://docs.kie.ai/market/common/get-task-detail',
  read(answer) {
    const record = recordOf(answer);
    if (isReading(record)) return record;
    const state = text(record.state).toLowerCase();
    if (state === 'success') return { state: 'finished', body: { code: 200, msg: envelopeMessage(answer) || 'success', data: record } };
    if (state === 'fail') {
      return { state: 'finished', body: { code: 501, msg: text(record.failMsg) || envelopeMessage(answer) || 'failed', data: record } };
    }
    // `waiting`, `queuing`, `generating`, and any state added later.
    return RUNNING;
  },
};

export function familyOf(api: PollApi, kind: string): Family | undefined {
  if (api === 'market') return MARKET_FAMILY;
  return Object.hasOwn(LEGACY_FAMILIES, kind) ? LEGACY_FAMILIES[kind] : undefined;
}
