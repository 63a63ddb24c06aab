import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { findTaskId } from '../lib/classify.js';
import type { CallbackEvent, FailureEvent, LyricsReadyEvent, MusicReadyEvent, SunoEventName } from '../lib/events.js';
import { computeSignature } from '../lib/signature.js';
import { fixtures, type FixtureBodyMap } from '../lib/testing/builders.js';
import { signCallback } from '../lib/testing/sign.js';
import { createApp, SECRET, until } from './helpers/app.js';
import { fixture, fixtureIndex, signatureVectors } from './helpers/fixtures.js';

const vectors = signatureVectors;

type Body = Record<string, any>;

interface Case {
  name: string;
  build: (taskId?: string) => Body;
  event: SunoEventName;
  kind: string;
  stage: string;
  /** The documented body this one must have the shape of, when the docs show one. */
  documented?: string;
}

const failed = { failed: true } as const;
const id = (taskId: string | undefined) => (taskId === undefined ? {} : { taskId });
const kie = { dialect: 'kie' } as const;

const cases: Case[] = [
  { name: 'music text (sunoapi)', build: (taskId) => fixtures.music({ stage: 'text', ...id(taskId) }), event: 'music-progress', kind: 'music', stage: 'text' },
  { name: 'music text (kie)', build: (taskId) => fixtures.music({ stage: 'text', ...kie, ...id(taskId) }), event: 'music-progress', kind: 'music', stage: 'text', documented: 'music.text.kie.json' },
  { name: 'music first (sunoapi)', build: (taskId) => fixtures.music({ stage: 'first', ...id(taskId) }), event: 'music-progress', kind: 'music', stage: 'first' },
  { name: 'music first (kie)', build: (taskId) => fixtures.music({ stage: 'first', ...kie, ...id(taskId) }), event: 'music-progress', kind: 'music', stage: 'first', documented: 'music.first.kie.json' },
  { name: 'music complete (sunoapi)', build: (taskId) => fixtures.music({ ...id(taskId) }), event: 'music-ready', kind: 'music', stage: 'complete', documented: 'music.complete.sunoapi.json' },
  { name: 'music complete (kie)', build: (taskId) => fixtures.music({ stage: 'complete', ...kie, ...id(taskId) }), event: 'music-ready', kind: 'music', stage: 'complete', documented: 'music.complete.kie.json' },
  { name: 'music failure (sunoapi)', build: (taskId) => fixtures.music({ ...failed, ...id(taskId) }), event: 'failure', kind: 'music', stage: 'error', documented: 'music.error.sunoapi.json' },
  { name: 'music failure (kie)', build: (taskId) => fixtures.music({ ...failed, ...kie, ...id(taskId) }), event: 'failure', kind: 'music', stage: 'error', documented: 'music.error.kie.json' },
  { name: 'lyrics (sunoapi)', build: (taskId) => fixtures.lyrics({ ...id(taskId) }), event: 'lyrics-ready', kind: 'lyrics', stage: 'complete', documented: 'lyrics.complete.sunoapi.json' },
  { name: 'lyrics (kie)', build: (taskId) => fixtures.lyrics({ ...kie, ...id(taskId) }), event: 'lyrics-ready', kind: 'lyrics', stage: 'complete', documented: 'lyrics.complete.kie.json' },
  { name: 'lyrics failure (sunoapi)', build: (taskId) => fixtures.lyrics({ ...failed, ...id(taskId) }), event: 'failure', kind: 'lyrics', stage: 'error', documented: 'lyrics.error.sunoapi.json' },
  { name: 'lyrics failure (kie)', build: (taskId) => fixtures.lyrics({ ...failed, ...kie, ...id(taskId) }), event: 'failure', kind: 'lyrics', stage: 'error', documented: 'lyrics.error.kie.json' },
  { name: 'cover', build: (taskId) => fixtures.cover({ ...id(taskId) }), event: 'cover-ready', kind: 'cover', stage: 'final', documented: 'cover.success.json' },
  { name: 'cover failure', build: (taskId) => fixtures.cover({ ...failed, ...id(taskId) }), event: 'failure', kind: 'cover', stage: 'error', documented: 'cover.error.json' },
  { name: 'wav', build: (taskId) => fixtures.wav({ ...id(taskId) }), event: 'wav-ready', kind: 'wav', stage: 'final', documented: 'wav.success.json' },
  { name: 'wav failure', build: (taskId) => fixtures.wav({ ...failed, ...id(taskId) }), event: 'failure', kind: 'wav', stage: 'error', documented: 'wav.error.json' },
  { name: 'stems separate_vocal (sunoapi)', build: (taskId) => fixtures.stems({ ...id(taskId) }), event: 'stems-ready', kind: 'stems', stage: 'final', documented: 'stems.separate-vocal.sunoapi.json' },
  { name: 'stems separate_vocal (kie)', build: (taskId) => fixtures.stems({ mode: 'separate_vocal', ...kie, ...id(taskId) }), event: 'stems-ready', kind: 'stems', stage: 'final', documented: 'stems.separate-vocal.kie.json' },
  { name: 'stems split_stem (sunoapi)', build: (taskId) => fixtures.stems({ mode: 'split_stem', ...id(taskId) }), event: 'stems-ready', kind: 'stems', stage: 'final', documented: 'stems.split-stem.sunoapi.json' },
  { name: 'stems split_stem (kie)', build: (taskId) => fixtures.stems({ mode: 'split_stem', ...kie, ...id(taskId) }), event: 'stems-ready', kind: 'stems', stage: 'final' },
  { name: 'stems failure (sunoapi)', build: (taskId) => fixtures.stems({ ...failed, ...id(taskId) }), event: 'failure', kind: 'stems', stage: 'error', documented: 'stems.error.sunoapi.json' },
  { name: 'stems failure (kie)', build: (taskId) => fixtures.stems({ ...failed, ...kie, ...id(taskId) }), event: 'failure', kind: 'stems', stage: 'error', documented: 'stems.error.kie.json' },
  { name: 'midi (sunoapi)', build: (taskId) => fixtures.midi({ ...id(taskId) }), event: 'midi-ready', kind: 'midi', stage: 'final', documented: 'midi.success.sunoapi.json' },
  { name: 'midi (kie)', build: (taskId) => fixtures.midi({ ...kie, ...id(taskId) }), event: 'midi-ready', kind: 'midi', stage: 'final', documented: 'midi.success.kie.json' },
  { name: 'midi failure (sunoapi)', build: (taskId) => fixtures.midi({ ...failed, ...id(taskId) }), event: 'failure', kind: 'midi', stage: 'error', documented: 'midi.error.sunoapi.json' },
  { name: 'midi failure (kie)', build: (taskId) => fixtures.midi({ ...failed, ...kie, ...id(taskId) }), event: 'failure', kind: 'midi', stage: 'error', documented: 'midi.error.kie.json' },
  { name: 'video (sunoapi)', build: (taskId) => fixtures.video({ ...id(taskId) }), event: 'video-ready', kind: 'video', stage: 'final', documented: 'video.success.sunoapi.json' },
  { name: 'video (kie)', build: (taskId) => fixtures.video({ ...kie, ...id(taskId) }), event: 'video-ready', kind: 'video', stage: 'final' },
  { name: 'video failure (sunoapi)', build: (taskId) => fixtures.video({ ...failed, ...id(taskId) }), event: 'failure', kind: 'video', stage: 'error', documented: 'video.error.sunoapi.json' },
  { name: 'video failure (kie)', build: (taskId) => fixtures.video({ ...failed, ...kie, ...id(taskId) }), event: 'failure', kind: 'video', stage: 'error', documented: 'video.error.kie.json' },
  { name: 'voice-phrase', build: (taskId) => fixtures.voicePhrase({ ...id(taskId) }), event: 'voice-phrase-ready', kind: 'voice-phrase', stage: 'final', documented: 'voice-phrase.success.json' },
  { name: 'voice-phrase failure', build: (taskId) => fixtures.voicePhrase({ ...failed, ...id(taskId) }), event: 'failure', kind: 'voice-phrase', stage: 'error', documented: 'voice-phrase.error.json' },
  { name: 'voice', build: (taskId) => fixtures.voice({ ...id(taskId) }), event: 'voice-ready', kind: 'voice', stage: 'final', documented: 'voice.success.json' },
  { name: 'voice failure', build: (taskId) => fixtures.voice({ ...failed, ...id(taskId) }), event: 'failure', kind: 'voice', stage: 'error', documented: 'voice.error.json' },
];

/** Documented bodies that only a per-kind path classifies (fixtures/index.json `needsRouteHint`). */
const needsRouteHint = new Set(fixtureIndex.filter((entry) => entry.needsRouteHint).map((entry) => entry.file));

/** Field names and JSON types, recursively; arrays by their first item. Values are ignored. */
function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shape(item)]));
  }
  return typeof value;
}

/** Every string in a body, with the key it sits under. */
function strings(value: unknown, key = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[key, value]];
  if (Array.isArray(value)) return value.flatMap((item) => strings(item, key));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([name, item]) => strings(item, name));
  return [];
}

const TASK_ID_FIELDS = [
  ['data', 'task_id'],
  ['data', 'taskId'],
  ['taskId'],
  ['task_id'],
] as const;

function fieldHolding(body: Body, taskId: string): string | undefined {
  const found = TASK_ID_FIELDS.find((path) => path.reduce<any>((object, key) => object?.[key], body) === taskId);
  return found?.join('.');
}

function post(app: Parameters<typeof request>[0], body: Body, path = '/suno/callback') {
  return request(app)
    .post(path)
    .set(signCallback(body, { secret: SECRET }))
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
}

describe('signCallback', () => {
  it.each(vectors.map((vector) => [vector.taskId, vector] as const))(
    'reproduces the signature vector for task %s byte for byte',
    (_taskId, vector) => {
      const body = fixtures.cover({ taskId: vector.taskId });
      const headers = signCallback(body, { secret: vector.secret, timestamp: vector.timestamp });
      expect(headers).toEqual(vector.headers);
      expect(Object.keys(headers)).toEqual(['X-Webhook-Timestamp', 'X-Webhook-Signature']);
      // The same headers whatever form the body comes in, and with the time as a Date.
      expect(signCallback(JSON.stringify(body), { secret: vector.secret, timestamp: vector.timestamp })).toEqual(vector.headers);
      expect(signCallback(Buffer.from(JSON.stringify(body)), { secret: vector.secret, timestamp: vector.timestamp })).toEqual(vector.headers);
      expect(signCallback(body, { secret: vector.secret, timestamp: new Date(vector.timestamp * 1000 + 999) })).toEqual(vector.headers);
    },
  );

  it('signs the task id the receiver reads: data.task_id, then data.taskId, then taskId, then task_id', () => {
    const body: Body = { code: 200, taskId: 'C', task_id: 'D', data: { task_id: 'A', taskId: 'B' } };
    const expected = ['A', 'B', 'C', 'D'];
    const remove = [
      () => delete body.data.task_id,
      () => delete body.data.taskId,
      () => delete body.taskId,
    ];
    for (const [index, taskId] of expected.entries()) {
      expect(findTaskId(body)).toBe(taskId);
      expect(signCallback(body, { secret: 'k', timestamp: 1760000000 })['X-Webhook-Signature']).toBe(
        computeSignature('k', taskId, 1760000000),
      );
      remove[index]?.();
    }
  });

  it('signs a numeric task id as the receiver reads it, and an explicit `taskId` instead of the body\'s', () => {
    const numeric = { code: 200, data: { task_id: 12345, video_url: 'https://example.com/v.mp4' } };
    expect(signCallback(numeric, { secret: 'k', timestamp: 1 })['X-Webhook-Signature']).toBe(computeSignature('k', '12345', 1));
    expect(signCallback(fixtures.wav(), { secret: 'k', timestamp: 1, taskId: 'other' })['X-Webhook-Signature']).toBe(
      computeSignature('k', 'other', 1),
    );
  });

  it('timestamps with the current Unix time by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const headers = signCallback(fixtures.cover(), { secret: 'k' });
    const after = Math.floor(Date.now() / 1000);
    const timestamp = Number(headers['X-Webhook-Timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
  });

  it('throws a TypeError that says what is wrong', () => {
    expect(() => signCallback({ code: 200, data: {} }, { secret: 'k' })).toThrow(/data\.task_id, data\.taskId, taskId or task_id/);
    expect(() => signCallback('[1]', { secret: 'k' })).toThrow(/JSON object/);
    expect(() => signCallback('{"code": 200,', { secret: 'k' })).toThrow(/not valid JSON/);
    expect(() => signCallback(fixtures.cover(), { secret: '' })).toThrow(TypeError);
    expect(() => signCallback(fixtures.cover(), { secret: 'k', timestamp: Date.now() })).toThrow(/Milliseconds\?/);
    expect(() => signCallback(fixtures.cover(), { secret: 'k', timestamp: 1.5 })).toThrow(TypeError);
  });

  it('headers with an old timestamp are refused by the middleware as stale', async () => {
    const { app, suno } = createApp();
    const body = fixtures.cover();
    const response = await request(app)
      .post('/suno/callback')
      .set(signCallback(body, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 }))
      .send(body);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('stale_timestamp');
    await suno.close();
  });
});

describe('fixtures', () => {
  it.each(cases.map((entry) => [entry.name, entry] as const))(
    '%s: signed and POSTed, is accepted and fires its event with the right kind, stage and task id',
    async (_name, entry) => {
      const { app, of, suno } = createApp();
      const body = entry.build();
      const taskId = findTaskId(body) as string;
      const hinted = entry.documented !== undefined && needsRouteHint.has(entry.documented);
      const response = await post(app, body, hinted ? `/suno/callback/${entry.kind}` : '/suno/callback');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'received' });
      await until(() => of('callback').length === 1 && of(entry.event).length === 1);
      const event = of('callback')[0] as CallbackEvent;
      expect(event.kind).toBe(entry.kind);
      expect(event.stage).toBe(entry.stage);
      expect(event.taskId).toBe(taskId);
      expect(event.key).toBe(`${entry.kind}:${taskId}:${entry.stage}`);
      expect(of(entry.event)[0]).toBe(event);
      await suno.close();
    },
  );

  it.each(cases.filter((entry) => entry.documented !== undefined).map((entry) => [entry.name, entry] as const))(
    '%s has the fields and JSON types of its documented body, with the task id in the same field',
    (_name, entry) => {
      const documented = fixture(entry.documented as string);
      const built = entry.build('0123456789abcdef0123456789abcdef');
      expect(shape(built)).toEqual(shape(documented));
      const documentedId = fixtureIndex.find((item) => item.file === entry.documented)?.taskId as string;
      expect(fieldHolding(built, '0123456789abcdef0123456789abcdef')).toBe(fieldHolding(documented, documentedId));
    },
  );

  it.each(cases.map((entry) => [entry.name, entry] as const))('%s looks real: a fresh 32-hex task id, https links, no masks', (_name, entry) => {
    const first = entry.build();
    const second = entry.build();
    const firstId = findTaskId(first) as string;
    expect(firstId).toMatch(/^[0-9a-f]{32}$/);
    expect(findTaskId(second)).not.toBe(firstId);
    const text = JSON.stringify(first);
    expect(text).not.toMatch(/\*\*\*\*|xxx|example\.c/);
    for (const [key, value] of strings(first)) {
      if (/url$/i.test(key) || key === 'images' || value.startsWith('http')) {
        if (value === '') continue; // origin_url is empty in the documented bodies too
        expect(new URL(value).protocol).toBe('https:');
      }
    }
  });

  it('a kie lyrics failure and a kie MIDI failure need the per-kind path, like their documented bodies', async () => {
    const { app, of, suno } = createApp();
    await post(app, fixtures.lyrics({ failed: true, dialect: 'kie' })).expect(200);
    await post(app, fixtures.midi({ failed: true, dialect: 'kie' })).expect(200);
    await until(() => of('failure').length === 2);
    expect(of('failure').map((event) => event.kind)).toEqual(['unknown', 'unknown']);
    await suno.close();
  });

  it('`taskId` lands where each family and dialect keeps it, and in the event', async () => {
    const taskId = 'fedcba9876543210fedcba9876543210';
    const { app, of, suno } = createApp();
    for (const entry of cases) {
      const body = entry.build(taskId);
      expect(findTaskId(body)).toBe(taskId);
    }
    await post(app, fixtures.midi({ taskId })).expect(200);
    await until(() => of('midi-ready').length === 1);
    expect(of('midi-ready')[0]?.taskId).toBe(taskId);
    expect(fixtures.midi({ taskId }).task_id).toBe(taskId);
    expect(fixtures.midi({ taskId, dialect: 'kie' }).data?.taskId).toBe(taskId);
    expect(fixtures.lyrics({ taskId }).data.taskId).toBe(taskId);
    expect(fixtures.lyrics({ taskId, dialect: 'kie' }).data.task_id).toBe(taskId);
    await suno.close();
  });

  it('`code` other than 200 makes a failure of that family with that code; `msg` becomes the event message', async () => {
    const { app, of, suno } = createApp();
    const refunded = fixtures.cover({ code: 531 });
    expect(refunded.data.images).toBeNull();
    await post(app, refunded).expect(200);
    const timedOut = fixtures.music({ code: 408, stage: 'first' });
    expect(timedOut.data.callbackType).toBe('error');
    await post(app, timedOut).expect(200);
    await post(app, fixtures.wav({ msg: 'converted, finally' })).expect(200);
    await until(() => of('failure').length === 2 && of('wav-ready').length === 1);
    const [cover, music] = of('failure') as FailureEvent[];
    expect(cover).toMatchObject({ kind: 'cover', stage: 'error', code: 531, creditsRefunded: true });
    expect(music).toMatchObject({ kind: 'music', stage: 'error', code: 408, reason: 'Rate limited or timed out' });
    expect(of('wav-ready')[0]?.message).toBe('converted, finally');
    await suno.close();
  });

  it('`data` merges deeply: arrays of objects by index, undefined removes a field, unknown fields are kept', async () => {
    const { app, of, suno } = createApp();
    const body = fixtures.music({
      data: { data: [{ title: 'My Song', duration: undefined }], provider_added: 'new' },
    });
    const [firstTrack, secondTrack] = body.data.data ?? [];
    expect(firstTrack?.title).toBe('My Song');
    expect(firstTrack?.audio_url).toMatch(/^https:\/\//);
    expect(firstTrack).not.toHaveProperty('duration');
    expect(secondTrack?.title).toBe('Iron Man');
    expect((body.data as Body).provider_added).toBe('new');
    await post(app, body).expect(200);
    await until(() => of('music-ready').length === 1);
    const tracks = (of('music-ready')[0] as MusicReadyEvent).tracks;
    expect(tracks.map((track) => [track.title, track.duration])).toEqual([['My Song', null], ['Iron Man', 228.28]]);
    // The override is copied, not shared with later bodies.
    expect(fixtures.music().data.data?.[0]?.title).toBe('Iron Man');
    // An empty array replaces: no tracks at all.
    expect(fixtures.music({ data: { data: [] } }).data.data).toEqual([]);
    await suno.close();
  });

  it('`data` can make a lyrics item fail inside a 200, and replaces a list of links as a whole', async () => {
    const { app, of, suno } = createApp();
    await post(app, fixtures.lyrics({ data: { data: [{ status: 'failed', errorMessage: 'flagged' }] } })).expect(200);
    await post(app, fixtures.cover({ data: { images: ['https://cdn.example.org/mine.png'] } })).expect(200);
    await until(() => of('lyrics-ready').length === 1 && of('cover-ready').length === 1);
    expect((of('lyrics-ready')[0] as LyricsReadyEvent).lyrics[0]).toMatchObject({ status: 'failed', error: 'flagged' });
    expect(of('cover-ready')[0]?.images).toEqual(['https://cdn.example.org/mine.png']);
    await suno.close();
  });

  it('`build(kind)` gives the family\'s builder, stems `mode` picks the stems, MIDI times mix strings and numbers', () => {
    const body: FixtureBodyMap['voice-phrase'] = fixtures.build('voice-phrase', { taskId: 'abc' });
    expect(body).toEqual({ ...fixtures.voicePhrase({ taskId: 'abc' }) });
    expect(Object.keys(fixtures.stems({ mode: 'split_stem' }).data.vocal_removal_info ?? {})).toHaveLength(13);
    expect(Object.keys(fixtures.stems({ dialect: 'kie' }).data.vocal_separation_info ?? {}).sort()).toEqual([
      'instrumental_url',
      'origin_url',
      'vocal_url',
    ]);
    const notes = fixtures.midi().data?.instruments?.flatMap((instrument) => instrument.notes) ?? [];
    expect(new Set(notes.map((note) => typeof note.start))).toEqual(new Set(['string', 'number']));
  });

  it('throws a TypeError for contradictory or unknown options', () => {
    expect(() => fixtures.cover({ failed: true, code: 200 })).toThrow(/code.*other than 200/);
    expect(() => fixtures.cover({ failed: false, code: 500 })).toThrow(/contradicts/);
    expect(() => fixtures.cover({ dialect: 'suno' as never })).toThrow(/'sunoapi', 'kie', 'market'/);
    expect(() => fixtures.music({ stage: 'last' as never })).toThrow(/'text', 'first' or 'complete'/);
    expect(() => fixtures.stems({ mode: 'all' as never })).toThrow(TypeError);
    expect(() => fixtures.build('karaoke' as never)).toThrow(/unknown kind "karaoke"/);
    expect(() => fixtures.wav({ taskId: '' })).toThrow(/taskId/);
  });
});
