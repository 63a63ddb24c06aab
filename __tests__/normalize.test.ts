import { describe, expect, it } from '@jest/globals';
import { createApp, post, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import type { CallbackEvent } from '../lib/events.js';

const TASK_ID = '9f1c2e8a4b7d4c0e8f3a6b5d2c1e0f9a';
const DAY_MS = 24 * 60 * 60 * 1000;

async function deliver(body: Record<string, any>, path?: string): Promise<CallbackEvent> {
  const { app, of, suno } = createApp();
  const response = await post(app, body, path);
  expect(response.body).toEqual({ status: 'received' });
  await until(() => of('callback').length === 1);
  await suno.close();
  return of('callback')[0] as CallbackEvent;
}

describe('normalised events', () => {
  it('music-ready tracks are camelCase in both dialects, with the source fields only when sent', async () => {
    const sunoapi = await deliver(fixture('music.complete.sunoapi.json'));
    const kie = await deliver(fixture('music.complete.kie.json'));
    if (sunoapi.kind !== 'music' || kie.kind !== 'music' || sunoapi.stage === 'error' || kie.stage === 'error') {
      throw new Error('expected music events');
    }
    expect(sunoapi.tracks).toHaveLength(2);
    expect(sunoapi.tracks[1]).toEqual({
      id: 'bd15****1873',
      audioUrl: 'https://example.cn/****.mp3',
      streamAudioUrl: 'https://example.cn/****',
      imageUrl: 'https://example.cn/****.jpeg',
      sourceAudioUrl: 'https://example.cn/****.mp3',
      sourceStreamAudioUrl: 'https://example.cn/****',
      sourceImageUrl: 'https://example.cn/****.jpeg',
      prompt: '[Verse] Night city lights shining bright',
      modelName: 'chirp-v3-5',
      title: 'Iron Man',
      tags: 'electrifying, rock',
      createTime: '2025-01-01 00:00:00',
      duration: 228.28,
    });
    expect(kie.tracks[0]).not.toHaveProperty('sourceAudioUrl');
    expect(kie.tracks[0]?.modelName).toBe('chirp-v3-5');
  });

  it('asset events expire 14 days after receipt', async () => {
    const event = await deliver(fixture('video.success.sunoapi.json'));
    if (event.kind !== 'video' || event.stage !== 'final') throw new Error('expected video-ready');
    expect(event.videoUrl).toBe('https://example.com/videos/video_847715e66259.mp4');
    expect(event.expiresAt.getTime() - event.receivedAt.getTime()).toBe(14 * DAY_MS);
  });

  it('a real 32-hex task id and a unicode title survive untouched', async () => {
    const body = fixture('music.first.kie.json');
    body.data.task_id = TASK_ID;
    body.data.data[0].title = 'Nuit étoilée 🌙 — 夜空';
    const event = await deliver(body);
    if (event.kind !== 'music' || event.stage !== 'first') throw new Error('expected music-progress');
    expect(event.taskId).toBe(TASK_ID);
    expect(event.key).toBe(`music:${TASK_ID}:first`);
    expect(event.tracks[0]?.title).toBe('Nuit étoilée 🌙 — 夜空');
  });

  it('stems leave out empty URLs and tell separate_vocal from split_stem', async () => {
    const separate = await deliver(fixture('stems.separate-vocal.kie.json'));
    const split = await deliver(fixture('stems.split-stem.sunoapi.json'));
    if (separate.kind !== 'stems' || split.kind !== 'stems' || separate.stage === 'error' || split.stage === 'error') {
      throw new Error('expected stems events');
    }
    expect(separate.mode).toBe('separate_vocal');
    expect(Object.keys(separate.stems).sort()).toEqual(['instrumental', 'vocal']);
    expect(separate).not.toHaveProperty('originUrl');
    expect(split.mode).toBe('split_stem');
    expect(split.stems.backingVocals).toMatch(/Backing_Vocals\.mp3$/);
    expect(split.stems.woodwinds).toMatch(/Woodwinds\.mp3$/);
    expect(Object.keys(split.stems)).toHaveLength(12);
  });

  it('an empty stem URL is dropped, a present origin URL is kept', async () => {
    const body = fixture('stems.separate-vocal.sunoapi.json');
    body.data.vocal_removal_info.vocal_url = '';
    body.data.vocal_removal_info.origin_url = 'https://file.aiquickdraw.com/s/origin.mp3';
    const event = await deliver(body);
    if (event.kind !== 'stems' || event.stage === 'error') throw new Error('expected stems-ready');
    expect(event.stems).toEqual({ instrumental: expect.stringMatching(/Instrumental\.mp3$/) });
    expect(event.originUrl).toBe('https://file.aiquickdraw.com/s/origin.mp3');
  });

  it('a lyrics item that failed inside a 200 carries its error', async () => {
    const body = fixture('lyrics.complete.sunoapi.json');
    body.data.data[1].status = 'failed';
    body.data.data[1].errorMessage = 'Lyrics flagged for moderation';
    const event = await deliver(body);
    if (event.kind !== 'lyrics' || event.stage !== 'complete') throw new Error('expected lyrics-ready');
    expect(event.lyrics[0]).toEqual({ text: expect.stringContaining('[Verse]'), title: 'Iron Man', status: 'complete' });
    expect(event.lyrics[1]).toMatchObject({ status: 'failed', error: 'Lyrics flagged for moderation' });
  });

  it('MIDI times are always numbers, whether sent as numbers or numeric strings', async () => {
    const event = await deliver(fixture('midi.success.sunoapi.json'));
    if (event.kind !== 'midi' || event.stage !== 'final') throw new Error('expected midi-ready');
    expect(event.instruments.map((instrument) => instrument.name)).toEqual(['Drums', 'Electric Bass (finger)']);
    const notes = event.instruments.flatMap((instrument) => instrument.notes);
    expect(notes).toHaveLength(6);
    for (const note of notes) {
      expect(typeof note.start).toBe('number');
      expect(typeof note.end).toBe('number');
    }
    expect(notes[0]).toEqual({ pitch: 73, start: 0.036458333333333336, end: 0.18229166666666666, velocity: 1 });
  });

  it('a field the docs do not mention is accepted and kept in the raw body', async () => {
    const body = fixture('cover.success.json');
    body.data.aspectRatio = '1:1';
    body.traceId = 'abc';
    const event = await deliver(body);
    if (event.kind !== 'cover' || event.stage !== 'final') throw new Error('expected cover-ready');
    expect(event.images).toHaveLength(2);
    expect((event.body as Record<string, unknown>).traceId).toBe('abc');
  });

  it('drifted types are normalised: numeric duration as a string, a number where a string was documented', async () => {
    const body = fixture('music.complete.kie.json');
    body.data.data[0].duration = '198.44';
    body.data.data[0].tags = 42;
    delete body.data.data[0].prompt;
    const event = await deliver(body);
    if (event.kind !== 'music' || event.stage !== 'complete') throw new Error('expected music-ready');
    expect(event.tracks[0]).toMatchObject({ duration: 198.44, tags: '42', prompt: '' });
  });

  it('failures carry the meaning of the code, the refund flag and the provider detail', async () => {
    const refunded = fixture('music.replace-section.error.json');
    refunded.code = 531;
    const event = await deliver(refunded);
    if (event.stage !== 'error') throw new Error('expected failure');
    expect(event).toMatchObject({
      kind: 'music',
      code: 531,
      creditsRefunded: true,
      detail: 'Generation failed due to technical issues',
      reason: expect.stringMatching(/refunded/),
    });
    const voice = await deliver(fixture('voice.error.json'));
    if (voice.stage !== 'error') throw new Error('expected failure');
    expect(voice).toMatchObject({ kind: 'voice', creditsRefunded: false, detail: 'Verification audio did not match the validation phrase' });
  });

  it('voice events expose the phrase, the voice id and the status', async () => {
    const phrase = await deliver(fixture('voice-phrase.success.json'));
    const voice = await deliver(fixture('voice.success.json'));
    expect(phrase).toMatchObject({ phrase: 'Please record this validation phrase clearly.', status: 'wait_validating' });
    expect(voice).toMatchObject({ voiceId: 'voice_xxx', status: 'success' });
  });
});

describe('bodies that cannot make an event', () => {
  it.each([
    ['a cover without images', 'cover.success.json', (body: Record<string, any>) => delete body.data.images, 'unrecognized'],
    ['a WAV result with a null URL', 'wav.success.json', (body: Record<string, any>) => (body.data.audioWavUrl = null), 'invalid'],
    ['a video result with an empty URL', 'video.success.sunoapi.json', (body: Record<string, any>) => (body.data.video_url = ''), 'invalid'],
    ['a music callback with an unknown stage', 'music.first.kie.json', (body: Record<string, any>) => (body.data.callbackType = 'partial'), 'invalid'],
    ['MIDI instruments that are not an array', 'midi.success.kie.json', (body: Record<string, any>) => (body.data.instruments = 'drums'), 'invalid'],
  ])('%s is acknowledged (it is authentic) and reported as unrecognized, never as its family', async (_name, file, mutate, outcome) => {
    const { app, of } = createApp();
    const body = fixture(file);
    mutate(body);
    const response = await post(app, body);
    // A refused authentic callback is lost (the provider gives up after three tries): 200, then `unrecognized`.
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'received' });
    await until(() => of('unrecognized').length === 1);
    const event = of('unrecognized')[0];
    expect(event?.taskId).toBe(body.data?.task_id ?? body.data?.taskId ?? body.task_id);
    if (outcome === 'invalid') {
      // It claimed a family and broke its schema: the schema's message says where.
      expect(event?.details?.length).toBeGreaterThan(0);
      expect(event?.details?.[0]).toMatch(/^\/data/);
      expect(event?.claimedKind).toBe(file.split('.')[0]);
    }
    expect(of('callback')).toHaveLength(0);
    expect(of('rejected')).toHaveLength(0);
  });

  it('a task id longer than 256 characters is refused, so every store can index the key', async () => {
    const { app, of } = createApp();
    const body = fixture('cover.success.json');
    body.data.taskId = 'a'.repeat(257);
    const response = await post(app, body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_payload', message: expect.stringMatching(/256/) });
    body.data.taskId = 'a'.repeat(256);
    expect((await post(app, body)).body).toEqual({ status: 'received' });
    await until(() => of('callback').length === 1);
  });

  it('a body without a numeric code fits no family: acknowledged and reported as unrecognized, never dropped', async () => {
    const { app, of } = createApp();
    const body = fixture('cover.success.json');
    body.code = 'OK';
    const response = await post(app, body);
    expect(response.body).toEqual({ status: 'received' });
    await until(() => of('unrecognized').length === 1);
    expect(of('unrecognized')[0]).toMatchObject({ taskId: '21aee3c3c2a01fa5e030b3799fa4dd56', body: { code: 'OK' } });
    expect(of('unrecognized')[0]).not.toHaveProperty('code');
    expect(of('callback')).toHaveLength(0);
  });

  it('voice bodies in snake_case are accepted like camelCase ones', async () => {
    const voiceBody = fixture('voice.success.json');
    voiceBody.data.voice_id = voiceBody.data.voiceId;
    delete voiceBody.data.voiceId;
    const phraseBody = fixture('voice-phrase.success.json');
    phraseBody.data.validate_info = phraseBody.data.validateInfo;
    delete phraseBody.data.validateInfo;
    expect(await deliver(voiceBody)).toMatchObject({ kind: 'voice', voiceId: 'voice_xxx' });
    expect(await deliver(phraseBody)).toMatchObject({ kind: 'voice-phrase', phrase: 'Please record this validation phrase clearly.' });
  });
});
