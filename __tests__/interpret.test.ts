import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { buildEvent, identify } from '../lib/interpret.js';
import { parseWithoutParam } from '../lib/market.js';
import { findTaskIdInText } from '../lib/raw-text.js';
import { fixtures } from '../lib/testing/builders.js';
import { signCallback } from '../lib/testing/sign.js';
import { SECRET, createApp, post, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';

function postText(app: Parameters<typeof request>[0], text: string, taskId: string, secret = SECRET) {
  return request(app)
    .post('/suno/callback')
    .set(signCallback({ data: { task_id: taskId } }, { secret }))
    .set('Content-Type', 'application/json')
    .send(text);
}

describe('an authentic callback is never refused', () => {
  it('an authentic body that is not valid JSON is answered 200 and reported as unrecognized with its task id and text', async () => {
    const { app, of } = createApp();
    const text = '{"code":200,"msg":"success","data":{"callbackType":"complete","task_id":"abc123","data":[{"id":1,}]}}';
    const response = await postText(app, text, 'abc123');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'received' });
    await until(() => of('unrecognized').length === 1);
    expect(of('unrecognized')[0]).toMatchObject({ kind: 'unknown', taskId: 'abc123', raw: text, key: 'unknown:abc123:final' });
    expect(of('unrecognized')[0]?.details).toStrictEqual(['The body is not valid JSON.']);
    expect(of('rejected')).toHaveLength(0);
  });

  it('an authentic body that breaks its schema is answered 200 and reported as unrecognized with the schema message', async () => {
    const { app, of } = createApp();
    const body = fixture('music.complete.kie.json');
    body.data.data = [1, 2, 3];
    const response = await post(app, body);
    expect(response.status).toBe(200);
    await until(() => of('unrecognized').length === 1);
    expect(of('unrecognized')[0]).toMatchObject({ taskId: '2fac****9f72', claimedKind: 'music', key: 'music:2fac****9f72:complete', body });
    expect(of('unrecognized')[0]?.details?.[0]).toMatch(/^\/data\/data\/0 must be object/);
  });

  it('the same invalid JSON without an authentic signature is still refused with 401', async () => {
    const { app, of } = createApp();
    const text = '{"code":200,"data":{"task_id":"abc123",,}}';
    const response = await postText(app, text, 'abc123', 'another-secret');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid_signature' });
    expect(of('unrecognized')).toHaveLength(0);
  });

  it('the same invalid JSON signed for another task id is refused with 401', async () => {
    const { app } = createApp();
    const response = await postText(app, '{"data":{"task_id":"abc123",,}}', 'other-task');
    expect(response.status).toBe(401);
  });

  it('invalid JSON with no task id anywhere stays a 400: nothing can authenticate it', async () => {
    const { app } = createApp();
    const response = await postText(app, '{"code":200,"data":{,}}', 'abc123');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_json' });
  });

  it('a 5 MB authentic music body whose track list is [1,1,...] is acknowledged as unrecognized', async () => {
    const { app, of } = createApp();
    const body = fixtures.music({ taskId: 'big1' }) as unknown as Record<string, any>;
    body.data.data = new Array(2_400_000).fill(1);
    const text = JSON.stringify(body);
    expect(text.length).toBeGreaterThan(4_500_000);
    const response = await request(app)
      .post('/suno/callback')
      .set(signCallback(text, { secret: SECRET }))
      .set('Content-Type', 'application/json')
      .send(text);
    expect(response.status).toBe(200);
    await until(() => of('unrecognized').length === 1);
    expect(of('unrecognized')[0]?.taskId).toBe('big1');
    expect(of('unrecognized')[0]?.details).toHaveLength(1);
  });
});

describe('Recovery Audio', () => {
  it('code 200 gives recovery-ready with every track, failed ones included, on /suno/callback/recovery', async () => {
    const { app, of } = createApp();
    expect((await post(app, fixture('recovery.partial.sunoapi.json'), '/suno/callback/recovery')).status).toBe(200);
    await until(() => of('recovery-ready').length === 1);
    expect(of('recovery-ready')[0]).toMatchObject({
      kind: 'recovery',
      stage: 'final',
      taskId: 'bbbb****0f7b',
      expiresAt: expect.any(Date),
      tracks: [
        { id: '3bc3****48fc', audioUrl: 'https://example.com/****.m4a', title: 'Sunrise Love', status: 'success' },
        { id: '9d1e****77aa', audioUrl: '', title: 'Sunrise Love', status: 'failed', error: 'clip_not_complete' },
      ],
    });
    expect(of('recovery-ready')[0]?.tracks[0]).not.toHaveProperty('error');
  });

  it('code 500 gives a failure of kind recovery with the tracks\' errors in its detail', async () => {
    const { app, of } = createApp();
    await post(app, fixture('recovery.failed.sunoapi.json'));
    await until(() => of('failure').length === 1);
    expect(of('failure')[0]).toMatchObject({
      kind: 'recovery',
      stage: 'error',
      code: 500,
      detail: '3bc3****48fc: no_audio_id_mappings; 9d1e****77aa: mango_transfer_failed',
    });
  });

  it('fixtures.recovery() builds what the receiver accepts, partial and failed', async () => {
    const { app, of } = createApp();
    await post(app, fixtures.recovery({ tracks: 3, partial: true }));
    await post(app, fixtures.recovery({ failed: true, tracks: 2 }));
    await until(() => of('callback').length === 2);
    expect(of('recovery-ready')[0]?.tracks.map((track) => track.status)).toStrictEqual(['success', 'success', 'failed']);
    expect(of('recovery-ready')[0]?.tracks[0]?.audioUrl).toMatch(/\.m4a$/);
    expect(of('failure')[0]?.detail).toMatch(/no_audio_id_mappings/);
  });
});

describe('identify() and buildEvent() without HTTP', () => {
  it('identify() finds kind, stage, key and model; buildEvent() gives the same event as the middleware', () => {
    const body = fixture('market.music.complete.kie.json');
    const identified = identify(body);
    expect(identified).toMatchObject({ kind: 'music', stage: 'complete', taskId: 'ac44****8de3', key: 'music:ac44****8de3:complete', model: 'ai-music-api/generate', failed: false, code: 200 });
    const receivedAt = new Date();
    const built = buildEvent(identified!, body, receivedAt);
    expect(built.names).toStrictEqual(['music-ready', 'callback']);
    expect(built.event).toMatchObject({ receivedAt, model: 'ai-music-api/generate' });
  });

  it('identify() of text parses it, and is undefined when no task id is found', () => {
    expect(identify(JSON.stringify(fixture('cover.success.json')))).toMatchObject({ kind: 'cover', parsed: expect.any(Object) });
    expect(identify('not json at all')).toBeUndefined();
    expect(identify({ code: 200, data: {} })).toBeUndefined();
  });

  it('buildEvent() never throws, whatever the body', () => {
    const identified = identify({ code: 200, data: { task_id: 't', callbackType: 'complete', data: 'tracks' } }, 'music');
    expect(identified).toBeDefined();
    expect(buildEvent(identified!, { code: 200, data: { task_id: 't', callbackType: 'complete', data: 'tracks' } }, new Date()).names).toStrictEqual(['unrecognized']);
  });
});

describe('findTaskIdInText()', () => {
  it('honours the signer\'s order: data.task_id, data.taskId, taskId, task_id', () => {
    expect(findTaskIdInText('{"task_id":"top","taskId":"camel","data":{"taskId":"inner","task_id":"first"},,')).toBe('first');
    expect(findTaskIdInText('{"task_id":"top","taskId":"camel","data":{"taskId":"inner"},,')).toBe('inner');
    expect(findTaskIdInText('{"task_id":"top","taskId":"camel","data":{},,')).toBe('camel');
    expect(findTaskIdInText('{"task_id":"top",,')).toBe('top');
  });

  it('ignores task ids nested deeper, inside strings, or escaped inside other strings', () => {
    expect(findTaskIdInText('{"data":{"data":[{"task_id":"deep"}]},"msg":"\\"task_id\\":\\"fake\\"",,')).toBeUndefined();
    expect(findTaskIdInText('{"data":{"resultJson":"{\\"task_id\\":\\"inner\\"}","taskId":"real"},,')).toBe('real');
  });

  it('reads numeric ids and stops at text that never closes', () => {
    expect(findTaskIdInText('{"task_id": 12345 ,')).toBe('12345');
    expect(findTaskIdInText('{"data":{"task_id":"unterminated')).toBeUndefined();
  });
});

describe('parseWithoutParam()', () => {
  const broken = '"{\\"input\\":\\"{\\\\"a\\\\":{\\\\"b\\\\":{\\\\"c\\\\":1}},\\\\"d\\\\":\\\\"x\\\\"}\\"}"';

  it('cuts a malformed param out wherever it sits in data, nested braces and all', () => {
    const middle = `{"code":200,"data":{"taskId":"t1","param":${broken},"state":"success","model":"ai-music-api/generate"}}`;
    const last = `{"code":200,"data":{"taskId":"t1","state":"success","model":"ai-music-api/generate","param":${broken}},"msg":"ok"}`;
    for (const text of [middle, last]) {
      expect(() => JSON.parse(text)).toThrow();
      const parsed = parseWithoutParam(text);
      expect(parsed?.data).toStrictEqual({ taskId: 't1', state: 'success', model: 'ai-music-api/generate' });
    }
  });

  it('gives up (undefined) when the defect lies elsewhere, or there is no param', () => {
    expect(parseWithoutParam(`{"data":{"taskId":"t1","param":"{}","state":"success",}}`)).toBeUndefined();
    expect(parseWithoutParam('{"data":{"taskId":"t1",,}}')).toBeUndefined();
  });
});
