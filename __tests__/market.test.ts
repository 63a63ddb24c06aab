import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { MARKET_MODELS } from '../lib/dialects.js';
import type { CallbackEvent, FailureEvent, SunoEventName } from '../lib/events.js';
import { fixtures } from '../lib/testing/builders.js';
import { signCallback } from '../lib/testing/sign.js';
import { SECRET, createApp, post, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';

const TASK_ID = 'ac44****8de3';

/** The documented Market envelope with `model` and a `resultJson` encoding `result`. */
function envelope(model: string, result: unknown): Record<string, any> {
  const body = fixture('market.music.complete.kie.json');
  body.data.model = `ai-music-api/${model}`;
  body.data.resultJson = JSON.stringify(result);
  return body;
}

/** A legacy fixture body as a Market result; music and lyrics in the flat shape observed live. */
function flat(file: string): Record<string, any> {
  const legacy = fixture(file);
  return { code: 200, msg: 'success', data: legacy.data.data, task_id: TASK_ID };
}

const FAMILY_RESULTS: Record<string, { result: () => unknown; event: SunoEventName; check: (event: any) => void }> = {
  music: {
    result: () => flat('music.complete.kie.json'),
    event: 'music-ready',
    check: (event) => expect(event.tracks[0]).toMatchObject({ audioUrl: expect.stringMatching(/^https:/), title: expect.any(String) }),
  },
  lyrics: {
    result: () => flat('lyrics.complete.kie.json'),
    event: 'lyrics-ready',
    check: (event) => expect(event.lyrics[0]).toMatchObject({ title: 'Starry Night Dreams', text: expect.stringContaining('Moonlight') }),
  },
  cover: {
    result: () => fixture('cover.success.json'),
    event: 'cover-ready',
    check: (event) => expect(event.images.length).toBeGreaterThan(0),
  },
  wav: {
    result: () => fixture('wav.success.json'),
    event: 'wav-ready',
    check: (event) => expect(event.wavUrl).toMatch(/^https:/),
  },
  stems: {
    result: () => fixture('stems.separate-vocal.kie.json'),
    event: 'stems-ready',
    check: (event) => expect(event.stems.vocal).toMatch(/^https:/),
  },
  midi: {
    result: () => fixture('midi.success.kie.json'),
    event: 'midi-ready',
    check: (event) => expect(typeof event.instruments[0].notes[0].start).toBe('number'),
  },
  video: {
    result: () => fixture('video.success.sunoapi.json'),
    event: 'video-ready',
    check: (event) => expect(event.videoUrl).toMatch(/^https:/),
  },
  'voice-phrase': {
    result: () => fixture('voice-phrase.success.json'),
    event: 'voice-phrase-ready',
    check: (event) => expect(event.phrase).not.toBe(''),
  },
  voice: {
    result: () => fixture('voice.success.json'),
    event: 'voice-ready',
    check: (event) => expect(event.voiceId).toBe('voice_xxx'),
  },
  recovery: {
    result: () => fixture('recovery.partial.sunoapi.json'),
    event: 'recovery-ready',
    check: (event) => expect(event.tracks.map((track: any) => track.status)).toStrictEqual(['success', 'failed']),
  },
  result: {
    result: () => ({ personaId: 'p_1', name: 'Night Rider' }),
    event: 'result-ready',
    check: (event) => expect(event.result).toStrictEqual({ personaId: 'p_1', name: 'Night Rider' }),
  },
};

describe('kie.ai Market callbacks', () => {
  it.each(Object.entries(MARKET_MODELS))('ai-music-api/%s produces the %s event, built from the envelope and its decoded resultJson', async (model, kind) => {
    const expected = FAMILY_RESULTS[kind];
    if (expected === undefined) throw new Error(`no expectation for ${kind}`);
    const { app, of } = createApp();
    const body = envelope(model, expected.result());
    const response = await post(app, body);
    expect(response.status).toBe(200);
    await until(() => of('callback').length === 1);
    const event = of(expected.event)[0] as CallbackEvent & { model: string };
    expect(event).toBeDefined();
    expect(event).toMatchObject({ kind, taskId: TASK_ID, model: `ai-music-api/${model}`, code: 200, creditsConsumed: 12 });
    expect(event.key).toBe(`${kind}:${TASK_ID}:${kind === 'music' || kind === 'lyrics' ? 'complete' : 'final'}`);
    // The event's body is the envelope as received, not the decoded result.
    expect(event.body).toStrictEqual(body);
    expected.check(event);
  });

  it('the whole legacy callback body in resultJson works as well as the flat shape', async () => {
    const { app, of } = createApp();
    await post(app, envelope('generate', fixture('music.complete.sunoapi.json')));
    await until(() => of('music-ready').length === 1);
    expect(of('music-ready')[0]?.tracks).toHaveLength(2);
  });

  it('reads the credits under either spelling', async () => {
    const { app, of } = createApp();
    const body = envelope('generate', flat('music.complete.kie.json'));
    delete body.data.consumeCredits;
    body.data.creditsConsumed = 7;
    await post(app, body);
    await until(() => of('music-ready').length === 1);
    expect(of('music-ready')[0]?.creditsConsumed).toBe(7);
  });

  it('a failed job gives a failure of its family, failCode and failMsg as reason and detail', async () => {
    const { app, of } = createApp();
    const response = await post(app, fixture('market.music.failed.kie.json'), '/suno/callback/music');
    expect(response.status).toBe(200);
    await until(() => of('failure').length === 1);
    const failure = of('failure')[0] as FailureEvent & { model?: string };
    expect(failure).toMatchObject({
      kind: 'music',
      stage: 'error',
      code: 501,
      model: 'ai-music-api/generate',
      reason: 'Provider server error',
      detail: 'Internal server error',
      creditsRefunded: false,
    });
    expect(failure.key).toBe(`music:${TASK_ID}:error`);
  });

  it('a failCode the table does not know: the reason comes from the envelope code, failMsg is the detail', async () => {
    const { app, of } = createApp();
    const body = fixture('market.music.failed.kie.json');
    body.data.failCode = 'E_QUOTA';
    body.data.failMsg = 'Quota exhausted';
    await post(app, body);
    await until(() => of('failure').length === 1);
    expect(of('failure')[0]).toMatchObject({ reason: 'Generation failed', detail: 'Quota exhausted' });
  });

  it('a model this version does not know is still acknowledged, as result-ready with its decoded result', async () => {
    const { app, of } = createApp();
    await post(app, envelope('compose-symphony', { movements: 4 }));
    await until(() => of('result-ready').length === 1);
    expect(of('result-ready')[0]).toMatchObject({ kind: 'result', model: 'ai-music-api/compose-symphony', result: { movements: 4 } });
  });

  it('a success whose resultJson breaks its family is acknowledged as unrecognized, with the reason', async () => {
    const { app, of } = createApp();
    const body = envelope('convert-to-wav-format', { code: 200, data: { task_id: 'x', audioWavUrl: '' } });
    expect((await post(app, body)).status).toBe(200);
    await until(() => of('unrecognized').length === 1);
    expect(of('unrecognized')[0]).toMatchObject({ taskId: TASK_ID, claimedKind: 'wav', model: 'ai-music-api/convert-to-wav-format' });
    expect(of('unrecognized')[0]?.details?.length).toBeGreaterThan(0);
  });

  it('a resultJson that is not JSON is acknowledged as unrecognized', async () => {
    const { app, of } = createApp();
    const body = envelope('generate', null);
    body.data.resultJson = '{"code":200,"data":[';
    expect((await post(app, body)).status).toBe(200);
    await until(() => of('unrecognized').length === 1);
    expect(of('unrecognized')[0]?.details).toStrictEqual(['/data/resultJson is not valid JSON']);
  });

  it('new model names and stem modes decide nothing (V6_WILD, split_stem_advanced)', async () => {
    const { app, of } = createApp();
    const result = flat('music.complete.kie.json');
    for (const track of result.data) track.model_name = 'chirp-v6-wild';
    const body = envelope('generate', result);
    body.data.param = JSON.stringify({ model: 'ai-music-api/generate', input: { model: 'V6_WILD' } });
    await post(app, body);
    const stems = fixture('stems.split-stem.sunoapi.json');
    stems.data.type = 'split_stem_advanced';
    await post(app, envelope('separate-vocals', stems));
    await until(() => of('callback').length === 2);
    expect(of('music-ready')[0]?.tracks[0]?.modelName).toBe('chirp-v6-wild');
    expect(of('stems-ready')[0]?.mode).toBe('split_stem_advanced');
  });

  describe('a malformed param echo', () => {
    /** The documented success with `param` escaped once too few times: the whole body is not valid JSON. */
    function malformed(where: 'middle' | 'last' = 'middle'): string {
      const text = JSON.stringify(fixture('market.music.complete.kie.json'));
      const broken = '"{\\"callBackUrl\\":\\"https://your-domain.com/api/callback\\",\\"input\\":\\"{\\\\"prompt\\\\":\\\\"A rock song\\\\"}\\"}"';
      const replaced = text.replace(/"param":"(?:[^"\\]|\\.)*"/, `"param":${broken}`);
      if (where === 'middle') return replaced;
      // Move param to the end of data, just before its closing brace.
      const member = `,"param":${broken}`;
      return replaced.replace(`"param":${broken},`, '').replace(/}}$/, `${member}}}`);
    }

    it.each(['middle', 'last'] as const)('(param in the %s of data) still gives its typed event, without param', async (where) => {
      const text = malformed(where);
      expect(() => JSON.parse(text)).toThrow();
      const { app, of } = createApp();
      const response = await request(app)
        .post('/suno/callback')
        .set(signCallback({ data: { taskId: TASK_ID } }, { secret: SECRET }))
        .set('Content-Type', 'application/json')
        .send(text);
      expect(response.status).toBe(200);
      await until(() => of('callback').length === 1);
      const event = of('music-ready')[0];
      expect(event).toMatchObject({ taskId: TASK_ID, model: 'ai-music-api/generate' });
      expect(event?.tracks).toHaveLength(2);
      expect((event?.body as any).data).not.toHaveProperty('param');
      expect((event?.body as any).data.state).toBe('success');
    });
  });

  describe('the builders speak the Market dialect', () => {
    it.each(['music', 'lyrics', 'cover', 'wav', 'stems', 'midi', 'video', 'voice-phrase', 'voice', 'recovery'] as const)(
      'fixtures.build(%s, { dialect: "market" }) produces its typed event with the model',
      async (kind) => {
        const { app, of } = createApp();
        const body = fixtures.build(kind, { dialect: 'market' });
        expect(body.data.model).toMatch(/^ai-music-api\//);
        expect((await post(app, body)).status).toBe(200);
        await until(() => of('callback').length === 1);
        expect(of('callback')[0]).toMatchObject({ kind, taskId: body.data.taskId, model: body.data.model });
        expect(of('unrecognized')).toHaveLength(0);
      },
    );

    it('a failed Market fixture carries its code as failCode', async () => {
      const { app, of } = createApp();
      const body = fixtures.video({ dialect: 'market', code: 531 });
      expect(body.data).toMatchObject({ state: 'fail', failCode: '531', resultJson: null });
      await post(app, body);
      await until(() => of('failure').length === 1);
      expect(of('failure')[0]).toMatchObject({ kind: 'video', creditsRefunded: true, reason: expect.stringMatching(/refunded/) });
    });

    it('fixtures.result() is a Market job with no legacy callback', async () => {
      const { app, of } = createApp();
      const body = fixtures.result({ model: 'ai-music-api/boost-music-style', result: { style: 'darker' } });
      await post(app, body);
      await until(() => of('result-ready').length === 1);
      expect(of('result-ready')[0]).toMatchObject({ model: 'ai-music-api/boost-music-style', result: { style: 'darker' } });
    });
  });
});
