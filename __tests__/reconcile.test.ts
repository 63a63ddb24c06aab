import { afterEach, describe, expect, test } from '@jest/globals';
import type { ReconcileOptions } from '../lib/reconcile/options.js';
import type { SunoEventMap } from '../lib/events.js';
import { createApp, post, until } from './helpers/app.js';
import { answers, fakeProvider, marketRecord, taskId } from './helpers/fake-provider.js';
import { MIN_SPACING_MS, TaskSpacing } from '../lib/reconcile/poll.js';

const API_KEY = 'test-api-key-do-not-use';
const MUSIC = '/api/v1/generate/record-info';
const MARKET = '/api/v1/jobs/recordInfo';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(reconcile: Partial<ReconcileOptions> = {}) {
  const provider = await fakeProvider(API_KEY);
  const harness = createApp({
    reconcile: { apiKey: API_KEY, baseUrl: provider.baseUrl, afterSeconds: 1, everySeconds: 1, giveUpAfterSeconds: 30, ...reconcile },
  });
  const timeouts: Array<SunoEventMap['task-timeout']> = [];
  harness.suno.on('task-timeout', (event) => void timeouts.push(event));
  cleanups.push(async () => {
    await harness.suno.close();
    await provider.close();
  });
  return { ...harness, provider, timeouts };
}

/** The music callback the provider would have sent for the documented answer (snake_case, sunoapi dialect). */
function musicCallback(task: string) {
  const tracks = (answers.musicSuccess(task).body.data.response.sunoData as Array<Record<string, unknown>>).map((track) => ({
    id: track.id,
    audio_url: track.audioUrl,
    stream_audio_url: track.streamAudioUrl,
    image_url: track.imageUrl,
    prompt: track.prompt,
    model_name: track.modelName,
    title: track.title,
    tags: track.tags,
    createTime: track.createTime,
    duration: track.duration,
  }));
  return { code: 200, msg: 'All generated successfully.', data: { callbackType: 'complete', task_id: task, data: tracks } };
}

describe('suno.expect(): the callback never comes', () => {
  test('the poll produces music-ready once, with the Bearer key, from the camelCase answer', async () => {
    const { suno, of, provider } = await setup();
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicPending(task), answers.musicSuccess(task)]);
    const expectedAt = Date.now();
    await suno.expect(task, { kind: 'music' });
    await until(() => of('music-ready').length === 1, 10_000);

    const [event] = of('music-ready');
    expect(event?.taskId).toBe(task);
    expect(event?.key).toBe(`music:${task}:complete`);
    expect(event?.tracks.map((track) => track.audioUrl)).toEqual(['https://example.cn/8551aaaa662c.mp3', 'https://example.cn/bd15bbbb1873.mp3']);
    expect(event?.tracks[0]?.modelName).toBe('chirp-v3-5');
    // Pending first (polled again `everySeconds` later), then finished: two requests, none before `afterSeconds`.
    const seen = provider.requestsFor(task);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.at).toBeGreaterThanOrEqual(expectedAt + 1000 - 5);
    expect(seen.every((request) => request.authorization === `Bearer ${API_KEY}` && request.path === MUSIC)).toBe(true);
    expect(of('music-progress')).toHaveLength(0);
  });

  test('the callback after the poll is answered 200 duplicate, and no second event fires', async () => {
    const { app, suno, of, provider } = await setup();
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicSuccess(task)]);
    await suno.expect(task, { kind: 'music' });
    await until(() => of('music-ready').length === 1, 10_000);

    const late = await post(app, musicCallback(task));
    expect(late.status).toBe(200);
    expect(late.body).toEqual({ status: 'duplicate' });
    expect(of('duplicate').map((event) => event.key)).toEqual([`music:${task}:complete`]);
    expect(of('music-ready')).toHaveLength(1);
    expect(provider.requestsFor(task)).toHaveLength(1);
  });

  test('CALLBACK_EXCEPTION with tracks (the task ran, its callback failed) gives music-ready', async () => {
    const { suno, of, provider } = await setup();
    const task = taskId();
    const answer = answers.musicSuccess(task);
    answer.body.data.status = 'CALLBACK_EXCEPTION';
    provider.script(MUSIC, task, [answer]);
    await suno.expect(task, { kind: 'music' });
    await until(() => of('music-ready').length === 1, 10_000);
    expect(of('music-ready')[0]?.tracks).toHaveLength(2);
  });

  test('a progress stage from the poll is delivered, and polling goes on to the final stage', async () => {
    const { suno, of, provider } = await setup();
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicText(task), answers.musicSuccess(task)]);
    await suno.expect(task, { kind: 'music' });
    await until(() => of('music-ready').length === 1, 10_000);
    expect(of('music-progress').map((event) => event.key)).toEqual([`music:${task}:text`]);
  });
});

describe('suno.expect(): the callback comes first', () => {
  test('no poll is made for a task whose final callback arrived', async () => {
    const { app, suno, of, provider } = await setup();
    const called = taskId();
    const silent = taskId();
    provider.script(MUSIC, called, [answers.musicSuccess(called)]);
    provider.script(MUSIC, silent, [answers.musicSuccess(silent)]);

    await suno.expect(called, { kind: 'music' });
    const answer = await post(app, musicCallback(called));
    expect(answer.body).toEqual({ status: 'received' });
    // Expected after `called`, so its poll is due after the one `called` would have had: once it has produced its
    // event, a poll of `called` would have been made already.
    await suno.expect(silent, { kind: 'music' });
    await until(() => of('music-ready').length === 2, 10_000);

    expect(provider.requestsFor(called)).toHaveLength(0);
    expect(provider.requestsFor(silent)).toHaveLength(1);
    expect(of('music-ready').map((event) => event.taskId)).toEqual([called, silent]);
  });
});

describe('suno.expect(): failures, timeouts and a refusing provider', () => {
  test('a failed task gives failure, with the provider code and message', async () => {
    const { suno, of, provider } = await setup();
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicFailed(task)]);
    await suno.expect(task, { kind: 'music' });
    await until(() => of('failure').length === 1, 10_000);
    const [failure] = of('failure');
    expect(failure).toMatchObject({ kind: 'music', taskId: task, stage: 'error', code: 501, key: `music:${task}:error` });
    expect(failure?.detail).toBe('Audio generation failed');
  });

  test('a task that never finishes gives task-timeout after giveUpAfterSeconds, with when it was expected', async () => {
    const { suno, provider, timeouts, of } = await setup({ afterSeconds: 1, everySeconds: 1, giveUpAfterSeconds: 2 });
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicPending(task)]);
    const before = Date.now();
    await suno.expect(task, { kind: 'music' });
    await until(() => timeouts.length === 1, 10_000);
    const after = Date.now();

    const [timeout] = timeouts;
    expect(timeout?.kind).toBe('music');
    expect(timeout?.taskId).toBe(task);
    expect(timeout?.expectedAt.getTime()).toBeGreaterThanOrEqual(before + 1000);
    expect(timeout?.expectedAt.getTime()).toBeLessThanOrEqual(after);
    expect(after - before).toBeGreaterThanOrEqual(2000);
    // Polled when due and once more at the deadline: the timeout means "checked, and not finished".
    const seen = provider.requestsFor(task);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)?.at).toBeGreaterThanOrEqual(before + 2000);
    expect(of('callback')).toHaveLength(0);
  });

  test('429 (Retry-After honoured) and 5xx are retried with a growing backoff, then the event comes once', async () => {
    const { suno, of, provider } = await setup();
    const task = taskId();
    provider.script(MUSIC, task, [
      { status: 429, headers: { 'Retry-After': '1' }, body: { code: 429, msg: 'Too many requests' } },
      { status: 503, body: 'Service Unavailable' },
      answers.musicSuccess(task),
    ]);
    await suno.expect(task, { kind: 'music' });
    await until(() => of('music-ready').length === 1, 15_000);

    const at = provider.requestsFor(task).map((request) => request.at);
    expect(at).toHaveLength(3);
    const [first = 0, second = 0, third = 0] = at;
    expect(second - first).toBeGreaterThanOrEqual(1000 - 5);
    // The second failure in a row waits twice `everySeconds`.
    expect(third - second).toBeGreaterThanOrEqual(2000 - 5);
  });

  test('a refused key is reported as an error event, without the key in it', async () => {
    const provider = await fakeProvider(API_KEY);
    const wrongKey = 'wrong-key-that-must-not-leak';
    const { suno, of, logger } = createApp({
      reconcile: { apiKey: wrongKey, baseUrl: provider.baseUrl, afterSeconds: 1, everySeconds: 1, giveUpAfterSeconds: 30 },
    });
    cleanups.push(async () => {
      await suno.close();
      await provider.close();
    });
    const task = taskId();
    await suno.expect(task, { kind: 'music' });
    await until(() => of('error').length >= 1, 10_000);
    const [error] = of('error');
    expect(error?.code).toBe('ERR_SUNO_RECONCILE');
    expect(error?.message).toContain('401');
    expect(error?.message).not.toContain(wrongKey);
    expect(JSON.stringify(logger.lines)).not.toContain(wrongKey);
    expect(provider.requests[0]?.authorization).toBe(`Bearer ${wrongKey}`);
  });

  test('a redirect is not followed: the key goes to baseUrl and nowhere else', async () => {
    const { suno, of, provider } = await setup();
    const elsewhere = await fakeProvider('another-key');
    cleanups.push(() => elsewhere.close());
    const task = taskId();
    provider.script(MUSIC, task, [
      { status: 302, headers: { Location: `${elsewhere.baseUrl}${MUSIC}?taskId=${task}` }, body: '' },
      answers.musicSuccess(task),
    ]);
    await suno.expect(task, { kind: 'music' });
    await until(() => of('music-ready').length === 1, 10_000);
    expect(elsewhere.requests).toHaveLength(0);
    expect(provider.requestsFor(task)).toHaveLength(2);
  });

  test('requests for one task are spaced to stay under the documented 3 per second', async () => {
    const spacing = new TaskSpacing();
    const at: number[] = [];
    // Measured from one start: a timer never fires early, while the moment a waiter records itself may come late.
    const start = Date.now();
    await Promise.all([1, 2, 3].map(async () => {
      await spacing.wait('one-task');
      at.push(Date.now());
    }));
    const other = Date.now();
    await spacing.wait('other-task');
    const [, second = 0, third = 0] = at.sort((a, b) => a - b);
    expect(second - start).toBeGreaterThanOrEqual(MIN_SPACING_MS - 2);
    expect(third - start).toBeGreaterThanOrEqual(2 * MIN_SPACING_MS - 2);
    // Another task is not held back by this one.
    expect(Date.now() - other).toBeLessThan(MIN_SPACING_MS);
    expect(MIN_SPACING_MS).toBeGreaterThanOrEqual(334);
  });

  test('an answer that is not JSON is reported as unrecognized with the task id, once', async () => {
    const { suno, of, provider } = await setup();
    const task = taskId();
    provider.script(MUSIC, task, [{ body: '<html>gateway hiccup</html>' }]);
    await suno.expect(task, { kind: 'music' });
    await until(() => of('unrecognized').length === 1, 10_000);
    const [event] = of('unrecognized');
    expect(event?.taskId).toBe(task);
    expect(JSON.stringify(event?.body)).toContain('gateway hiccup');
    expect(provider.requestsFor(task)).toHaveLength(1);
  });
});

describe('suno.expect(): every legacy family', () => {
  test.each([
    ['lyrics', '/api/v1/lyrics/record-info', 'lyrics-ready', 'complete', answers.lyricsSuccess],
    ['wav', '/api/v1/wav/record-info', 'wav-ready', 'final', answers.wavSuccess],
    ['stems', '/api/v1/vocal-removal/record-info', 'stems-ready', 'final', answers.stemsSuccess],
    ['midi', '/api/v1/midi/record-info', 'midi-ready', 'final', answers.midiSuccess],
    ['video', '/api/v1/mp4/record-info', 'video-ready', 'final', answers.videoSuccess],
    ['cover', '/api/v1/suno/cover/record-info', 'cover-ready', 'final', answers.coverSuccess],
    ['voice', '/api/v1/voice/record-info', 'voice-ready', 'final', answers.voiceSuccess],
    ['voice-phrase', '/api/v1/voice/validate-info', 'voice-phrase-ready', 'final', answers.voicePhraseReady],
  ] as const)('%s: polled at %s, gives %s at stage %s', async (kind, path, eventName, stage, answer) => {
    const { suno, of, provider } = await setup();
    const task = taskId();
    provider.script(path, task, [answer(task)]);
    await suno.expect(task, { kind });
    await until(() => of(eventName).length === 1, 10_000);
    const [event] = of(eventName);
    expect(event?.key).toBe(`${kind}:${task}:${stage}`);
    expect(provider.requestsFor(task)[0]?.path).toBe(path);
  });

  test('recovery: 201 while running, then the callback-shaped answer gives recovery-ready with every track', async () => {
    const { suno, of, provider } = await setup();
    const task = taskId();
    const path = '/api/v1/suno/recovery/record-info';
    provider.script(path, task, [
      { body: { code: 201, msg: 'processing', data: null } },
      {
        body: {
          code: 200,
          msg: 'success',
          task_id: task,
          data: [
            { id: '3bc3', audio_url: 'https://example.com/a.m4a', title: 'Sunrise Love', status: 'success', error: '' },
            { id: '9d1e', audio_url: '', title: 'Sunrise Love', status: 'failed', error: 'clip_error' },
          ],
        },
      },
    ]);
    await suno.expect(task, { kind: 'recovery' });
    await until(() => of('recovery-ready').length === 1, 10_000);
    const [event] = of('recovery-ready');
    expect(event?.key).toBe(`recovery:${task}:final`);
    expect(event?.tracks.map((track) => track.status)).toEqual(['success', 'failed']);
    expect(provider.requestsFor(task)).toHaveLength(2);
  });

  test('the events carry the polled results', async () => {
    const { suno, of, provider } = await setup();
    const [wav, stems, cover, midi] = [taskId(), taskId(), taskId(), taskId()];
    provider.script('/api/v1/wav/record-info', wav, [answers.wavSuccess(wav)]);
    provider.script('/api/v1/vocal-removal/record-info', stems, [answers.stemsSuccess(stems)]);
    provider.script('/api/v1/suno/cover/record-info', cover, [answers.coverSuccess(cover)]);
    provider.script('/api/v1/midi/record-info', midi, [answers.midiSuccess(midi)]);
    await Promise.all([
      suno.expect(wav, { kind: 'wav' }),
      suno.expect(stems, { kind: 'stems' }),
      suno.expect(cover, { kind: 'cover' }),
      suno.expect(midi, { kind: 'midi' }),
    ]);
    await until(() => of('callback').length === 4, 10_000);
    expect(of('wav-ready')[0]?.wavUrl).toBe('https://example.com/s/04e6.wav');
    expect(of('stems-ready')[0]?.stems).toEqual({ instrumental: 'https://file.example/i.mp3', vocal: 'https://file.example/v.mp3' });
    expect(of('cover-ready')[0]?.images).toEqual(['https://tempfile.example/1.png', 'https://tempfile.example/2.png']);
    expect(of('midi-ready')[0]?.instruments[0]?.notes[0]).toEqual({ pitch: 73, start: 0.036, end: 0.182, velocity: 1 });
  });
});

describe("suno.expect(..., { api: 'market' })", () => {
  test('polls jobs/recordInfo and gives the event its Market callback gives, under the same key', async () => {
    const { app, suno, of, provider } = await setup();
    const task = taskId();
    provider.script(MARKET, task, [answers.marketRunning(task), { body: { code: 200, message: 'success', data: marketRecord(task) } }]);
    await suno.expect(task, { kind: 'music', api: 'market' });
    await until(() => of('music-ready').length === 1, 10_000);
    const [event] = of('music-ready');
    expect(event?.key).toBe(`music:${task}:complete`);
    expect(event?.model).toBe('ai-music-api/generate');
    expect(event?.tracks[0]?.audioUrl).toBe('https://tempfile.example/r/1.mp3');
    expect(provider.requestsFor(task).map((request) => request.path)).toEqual([MARKET, MARKET]);

    // The callback the provider would have sent: answered duplicate, so both went through one classification.
    const callback = await post(app, { code: 200, msg: 'Playground task completed successfully.', data: marketRecord(task) }, '/suno/callback/music');
    expect(callback.body).toEqual({ status: 'duplicate' });
    expect(of('music-ready')).toHaveLength(1);
  });

  test('a failed Market job gives failure with its failCode and failMsg', async () => {
    const { suno, of, provider } = await setup();
    const task = taskId();
    const record = { ...marketRecord(task), state: 'fail', resultJson: '', failCode: '500', failMsg: 'Internal server error' };
    provider.script(MARKET, task, [{ body: { code: 200, message: 'success', data: record } }]);
    await suno.expect(task, { kind: 'music', api: 'market' });
    await until(() => of('failure').length === 1, 10_000);
    expect(of('failure')[0]).toMatchObject({ taskId: task, stage: 'error', code: 501 });
    expect(JSON.stringify(of('failure')[0])).toContain('Internal server error');
  });

  test('an answer whose param echo breaks the JSON still gives its result', async () => {
    const { suno, of, provider } = await setup();
    const task = taskId();
    const record = marketRecord(task);
    const good = JSON.stringify({ code: 200, message: 'success', data: record });
    // The nested JSON inside `param` escaped one time too few: the string ends early and the answer is not JSON.
    const broken = good.replace('\\"prompt\\":\\"A rock song\\"', '\\"prompt\\":\\"{"a":1}\\"');
    expect(() => JSON.parse(broken)).toThrow();
    provider.script(MARKET, task, [{ body: broken }]);
    await suno.expect(task, { kind: 'music', api: 'market' });
    await until(() => of('music-ready').length === 1, 10_000);
    expect(of('music-ready')[0]?.key).toBe(`music:${task}:complete`);
    expect(of('music-ready')[0]?.tracks).toHaveLength(1);
  });
});

describe('reconcile options and expect() arguments', () => {
  test('small values (1 s) and any http(s) base URL are accepted', async () => {
    const { suno } = createApp({ reconcile: { apiKey: 'k', baseUrl: 'http://127.0.0.1:9', afterSeconds: 1, everySeconds: 1, giveUpAfterSeconds: 1 } });
    await suno.close();
  });

  test.each([
    [{ apiKey: '', baseUrl: 'https://api.sunoapi.org' }, /`reconcile.apiKey`.*SUNO_API_KEY/],
    [{ apiKey: 'k', baseUrl: 'ftp://x' }, /`reconcile.baseUrl` must be an http\(s\) URL/],
    [{ apiKey: 'k', baseUrl: 'https://user:pw@api.sunoapi.org' }, /must not contain credentials/],
    [{ apiKey: 'k', baseUrl: 'https://api.sunoapi.org', afterSecond: 5 }, /Did you mean `reconcile.afterSeconds`\?/],
    [{ apiKey: 'k', baseUrl: 'https://api.sunoapi.org', everySeconds: 0 }, /`reconcile.everySeconds` must be a number of at least 1/],
    [{ apiKey: 'k', baseUrl: 'https://api.sunoapi.org', afterSeconds: 10, giveUpAfterSeconds: 5 }, /giveUpAfterSeconds/],
  ])('%j is refused', (reconcile, message) => {
    expect(() => createApp({ reconcile: reconcile as ReconcileOptions })).toThrow(message);
  });

  test('the key never appears in an option error', () => {
    expect(() => createApp({ reconcile: { apiKey: 'secret-key-123', baseUrl: 'nope' } })).toThrow(/received a string/);
    try {
      createApp({ reconcile: { apiKey: 'secret-key-123', baseUrl: 'nope' } });
    } catch (error) {
      expect(String(error)).not.toContain('secret-key-123');
    }
  });

  test('expect() without the reconcile option, or with a wrong kind or api, throws a TypeError', async () => {
    const plain = createApp();
    await expect(plain.suno.expect(taskId(), { kind: 'music' })).rejects.toThrow(/needs the `reconcile` option/);
    await plain.suno.close();
    const { suno } = await setup();
    await expect(suno.expect(taskId(), { kind: 'musik' as 'music' })).rejects.toThrow(/`kind` must be one of music, lyrics/);
    await expect(suno.expect(taskId(), { kind: 'music', api: 'v2' as 'market' })).rejects.toThrow(/`api` must be 'legacy' or 'market'/);
    await expect(suno.expect('', { kind: 'music' })).rejects.toThrow(/task id/);
  });
});

describe('acceptIntoQueue (the worker side of queued expectations)', () => {
  test('queues a finished poll under the dedupe key its callback has, and turns a queue failure into a retry', async () => {
    const { acceptIntoQueue } = await import('../lib/reconcile/expect-job.js');
    const task = taskId();
    const queued: Array<{ key: string; hint: string | undefined }> = [];
    const accept = acceptIntoQueue(async ({ key, hint }) => void queued.push({ key, hint }));
    const body = musicCallback(task);
    expect(await accept({ type: 'parsed', value: body }, 'music')).toEqual({ status: 200 });
    expect(queued).toEqual([{ key: `music:${task}:complete`, hint: 'music' }]);

    const down = acceptIntoQueue(async () => {
      throw new Error('queue down');
    });
    expect(await down({ type: 'parsed', value: body }, 'music')).toEqual({ status: 503 });
  });
});
