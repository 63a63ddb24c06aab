import { describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import request, { type Response } from 'supertest';
import { sunoCallbacks, type SunoCallbacksOptions } from '../lib/index.js';
import { SECRET, createApp, post, signed, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';

type TestApp = ReturnType<typeof createApp>;

/** createApp() signs with SECRET unless told otherwise; token and unsigned modes must run without a secret. */
const NO_SECRET = { secret: undefined } as unknown as SunoCallbacksOptions;
const TOKEN = 'tok_8c1f4e2a9b7d';
const SECOND_SECRET = 'whk_rotated_in_7a3e';

const COVER = fixture('cover.success.json');
const COVER_TASK_ID = '21aee3c3c2a01fa5e030b3799fa4dd56';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Lets any listener that a request might have started run before the test looks at what ran. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

function send(app: Express, body: object, headers: Record<string, string>, path = '/suno/callback') {
  return request(app).post(path).set('Content-Type', 'application/json').set(headers).send(JSON.stringify(body));
}

/** The headers of a genuine delivery of `body`, without `drop`. */
function without(body: Record<string, unknown>, drop: 'X-Webhook-Timestamp' | 'X-Webhook-Signature'): Record<string, string> {
  const headers: Record<string, string> = { ...signed(body) };
  delete headers[drop];
  return headers;
}

/** A refusal: the status, a JSON `{ error, message }`, one `rejected` event with the same, and no listener ran. */
async function expectRejected(app: TestApp, response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['retry-after']).toBeUndefined();
  expect(response.body).toStrictEqual({ error, message: expect.any(String) });
  expect((response.body as { message: string }).message.length).toBeGreaterThan(10);
  await settle();
  expect(app.events.map((entry) => entry.name)).toStrictEqual(['rejected']);
  expect(app.of('rejected')).toStrictEqual([
    { status, error, message: (response.body as { message: string }).message, receivedAt: expect.any(Date), hint: expect.any(String) },
  ]);
}

async function expectAccepted(app: TestApp, response: Response, taskId: string): Promise<void> {
  expect(response.status).toBe(200);
  expect(response.body).toStrictEqual({ status: 'received' });
  await until(() => app.of('callback').length === 1);
  expect(app.of('callback')[0]?.taskId).toBe(taskId);
  expect(app.of('rejected')).toHaveLength(0);
}

describe('with `secret`: every cause of a 401', () => {
  it('a genuine delivery is accepted (the baseline every case below breaks one thing of)', async () => {
    const app = createApp();
    await expectAccepted(app, await post(app.app, COVER), COVER_TASK_ID);
    expect(app.of('cover-ready')).toHaveLength(1);
    await app.suno.close();
  });

  it('no X-Webhook-Timestamp header: 401 missing_signature', async () => {
    const app = createApp();
    const response = await send(app.app, COVER, without(COVER, 'X-Webhook-Timestamp'));
    await expectRejected(app, response, 401, 'missing_signature');
  });

  it('no X-Webhook-Signature header: 401 missing_signature', async () => {
    const app = createApp();
    const response = await send(app.app, COVER, without(COVER, 'X-Webhook-Signature'));
    await expectRejected(app, response, 401, 'missing_signature');
  });

  it('neither header: 401 missing_signature', async () => {
    const app = createApp();
    await expectRejected(app, await send(app.app, COVER, {}), 401, 'missing_signature');
  });

  it('both headers present but empty: 401 missing_signature', async () => {
    const app = createApp();
    const response = await send(app.app, COVER, { 'X-Webhook-Timestamp': '', 'X-Webhook-Signature': '' });
    await expectRejected(app, response, 401, 'missing_signature');
  });

  it('signed with the wrong secret: 401 invalid_signature', async () => {
    const app = createApp();
    const response = await send(app.app, COVER, signed(COVER, { secret: 'not-the-secret' }));
    await expectRejected(app, response, 401, 'invalid_signature');
  });

  it('a genuine signature for another task id (a replayed header on a forged body): 401 invalid_signature', async () => {
    const app = createApp();
    const response = await send(app.app, COVER, signed(COVER, { taskId: 'another-task-id' }));
    await expectRejected(app, response, 401, 'invalid_signature');
  });

  it('a timestamp 310 s in the past (default window 300 s): 401 stale_timestamp', async () => {
    const app = createApp();
    const response = await send(app.app, COVER, signed(COVER, { timestamp: nowSeconds() - 310 }));
    await expectRejected(app, response, 401, 'stale_timestamp');
  });

  it('a timestamp 310 s in the future: 401 stale_timestamp', async () => {
    const app = createApp();
    const response = await send(app.app, COVER, signed(COVER, { timestamp: nowSeconds() + 310 }));
    await expectRejected(app, response, 401, 'stale_timestamp');
  });

  it('toleranceSeconds: 60 refuses 70 s in the past', async () => {
    const app = createApp({ toleranceSeconds: 60 });
    const response = await send(app.app, COVER, signed(COVER, { timestamp: nowSeconds() - 70 }));
    await expectRejected(app, response, 401, 'stale_timestamp');
  });

  it('toleranceSeconds: 60 refuses 70 s in the future', async () => {
    const app = createApp({ toleranceSeconds: 60 });
    const response = await send(app.app, COVER, signed(COVER, { timestamp: nowSeconds() + 70 }));
    await expectRejected(app, response, 401, 'stale_timestamp');
  });

  it('toleranceSeconds: 60 accepts 58 s in the past (just inside the window)', async () => {
    const app = createApp({ toleranceSeconds: 60 });
    const response = await send(app.app, COVER, signed(COVER, { timestamp: nowSeconds() - 58 }));
    await expectAccepted(app, response, COVER_TASK_ID);
    await app.suno.close();
  });

  it('toleranceSeconds: 60 accepts 58 s in the future (a sender whose clock runs ahead)', async () => {
    const app = createApp({ toleranceSeconds: 60 });
    const response = await send(app.app, COVER, signed(COVER, { timestamp: nowSeconds() + 58 }));
    await expectAccepted(app, response, COVER_TASK_ID);
    await app.suno.close();
  });

  it('a non-numeric timestamp: 401 stale_timestamp', async () => {
    const app = createApp();
    const headers = { ...signed(COVER), 'X-Webhook-Timestamp': 'now' };
    await expectRejected(app, await send(app.app, COVER, headers), 401, 'stale_timestamp');
  });

  it('a timestamp in milliseconds: 401 stale_timestamp', async () => {
    const app = createApp();
    const headers = signed(COVER, { timestamp: Date.now() });
    await expectRejected(app, await send(app.app, COVER, headers), 401, 'stale_timestamp');
  });

  it('a signature that is not Base64: 401 invalid_signature', async () => {
    const app = createApp();
    const headers = { ...signed(COVER), 'X-Webhook-Signature': '%%%%not-base64%%%%' };
    await expectRejected(app, await send(app.app, COVER, headers), 401, 'invalid_signature');
  });

  it('Base64 of the wrong length (20 bytes, not 32): 401 invalid_signature', async () => {
    const app = createApp();
    const headers = { ...signed(COVER), 'X-Webhook-Signature': Buffer.alloc(20, 7).toString('base64') };
    await expectRejected(app, await send(app.app, COVER, headers), 401, 'invalid_signature');
  });

  it('the signature repeated in two headers: 401 invalid_signature', async () => {
    const app = createApp();
    const genuine = signed(COVER);
    const response = await request(app.app)
      .post('/suno/callback')
      .set('Content-Type', 'application/json')
      .set('X-Webhook-Timestamp', genuine['X-Webhook-Timestamp'])
      // Sent as two header lines (superagent hands arrays to setHeader; its types admit that only for Cookie).
      .set('X-Webhook-Signature', [genuine['X-Webhook-Signature'], genuine['X-Webhook-Signature']] as unknown as string)
      .send(JSON.stringify(COVER));
    await expectRejected(app, response, 401, 'invalid_signature');
  });
});

describe('with several secrets (rotation)', () => {
  it('accepts a delivery signed with the second secret of the array', async () => {
    const app = createApp({ secret: [SECOND_SECRET, SECRET] });
    await expectAccepted(app, await post(app.app, COVER), COVER_TASK_ID);
    await app.suno.close();
  });

  it('accepts a delivery signed with the first secret of the array', async () => {
    const app = createApp({ secret: [SECOND_SECRET, SECRET] });
    const response = await send(app.app, COVER, signed(COVER, { secret: SECOND_SECRET }));
    await expectAccepted(app, response, COVER_TASK_ID);
    await app.suno.close();
  });

  it('refuses a delivery signed with neither', async () => {
    const app = createApp({ secret: [SECOND_SECRET, SECRET] });
    const response = await send(app.app, COVER, signed(COVER, { secret: 'retired-secret' }));
    await expectRejected(app, response, 401, 'invalid_signature');
  });
});

describe('the signature is checked against the task id the receiver extracts', () => {
  // Each body carries two candidate ids; the signature must be over the one the receiver (and the provider) uses.
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['data.task_id before data.taskId', { code: 200, msg: 'success', data: { task_id: 'id-A', taskId: 'id-B', images: [] } }, 'id-A', 'id-B'],
    ['data.taskId before taskId', { code: 200, msg: 'success', data: { taskId: 'id-B', images: [] }, taskId: 'id-C' }, 'id-B', 'id-C'],
    ['taskId before task_id', { code: 200, msg: 'success', data: { images: [] }, taskId: 'id-C', task_id: 'id-D' }, 'id-C', 'id-D'],
  ];

  it.each(cases)('%s: signed over the second id, refused', async (_name, body, _used, ignored) => {
    const app = createApp();
    await expectRejected(app, await send(app.app, body, signed(body, { taskId: ignored })), 401, 'invalid_signature');
  });

  it.each(cases)('%s: signed over the first id, accepted under that id', async (_name, body, used) => {
    const app = createApp();
    await expectAccepted(app, await send(app.app, body, signed(body, { taskId: used })), used);
    await app.suno.close();
  });

  it('a top-level task_id alone is used when nothing else is there', async () => {
    const body = fixture('midi.success.sunoapi.json');
    const app = createApp();
    await expectAccepted(app, await send(app.app, body, signed(body, { taskId: '5c79****be8e' })), '5c79****be8e');
    await app.suno.close();
  });
});

describe('with `token`', () => {
  const tokenApp = (token: string | string[] = TOKEN) => createApp({ ...NO_SECRET, token });

  it('no token parameter: 401 invalid_token', async () => {
    const app = tokenApp();
    await expectRejected(app, await send(app.app, COVER, {}), 401, 'invalid_token');
  });

  it('an empty token parameter: 401 invalid_token', async () => {
    const app = tokenApp();
    await expectRejected(app, await send(app.app, COVER, {}, '/suno/callback?token='), 401, 'invalid_token');
  });

  it('a wrong token: 401 invalid_token', async () => {
    const app = tokenApp();
    await expectRejected(app, await send(app.app, COVER, {}, '/suno/callback?token=tok_guess'), 401, 'invalid_token');
  });

  it('a token that is a prefix of the right one: 401 invalid_token', async () => {
    const app = tokenApp();
    const response = await send(app.app, COVER, {}, `/suno/callback?token=${TOKEN.slice(0, -1)}`);
    await expectRejected(app, response, 401, 'invalid_token');
  });

  it('a genuine HMAC signature does not stand in for the token: 401 invalid_token', async () => {
    const app = tokenApp();
    await expectRejected(app, await send(app.app, COVER, signed(COVER)), 401, 'invalid_token');
  });

  it('the right token: 200', async () => {
    const app = tokenApp();
    await expectAccepted(app, await send(app.app, COVER, {}, `/suno/callback?token=${TOKEN}`), COVER_TASK_ID);
    await app.suno.close();
  });

  it('the right token among other query parameters, on a per-kind path: 200', async () => {
    const app = tokenApp();
    const response = await send(app.app, COVER, {}, `/suno/callback/cover?user=42&token=${TOKEN}&x=`);
    await expectAccepted(app, response, COVER_TASK_ID);
    await app.suno.close();
  });

  it('a token with reserved characters, percent-encoded in the callBackUrl: 200', async () => {
    const token = 'a+b/c=d&e';
    const app = tokenApp(token);
    const response = await send(app.app, COVER, {}, `/suno/callback?token=${encodeURIComponent(token)}`);
    await expectAccepted(app, response, COVER_TASK_ID);
    await app.suno.close();
  });

  it.each([['first', 'tok_old'], ['second', 'tok_new']])('the %s token of an array: 200', async (_position, token) => {
    const app = tokenApp(['tok_old', 'tok_new']);
    await expectAccepted(app, await send(app.app, COVER, {}, `/suno/callback?token=${token}`), COVER_TASK_ID);
    await app.suno.close();
  });

  it('a token outside the array: 401 invalid_token', async () => {
    const app = tokenApp(['tok_old', 'tok_new']);
    await expectRejected(app, await send(app.app, COVER, {}, '/suno/callback?token=tok_other'), 401, 'invalid_token');
  });
});

describe('the factory', () => {
  const hint = /`secret`[\s\S]*`token`[\s\S]*`allowUnsigned: true`/;

  it('refuses to start with no options at all, and says how to fix it', () => {
    expect(() => sunoCallbacks()).toThrow(TypeError);
    expect(() => sunoCallbacks()).toThrow(hint);
  });

  it('refuses to start with none of secret, token or allowUnsigned', () => {
    expect(() => sunoCallbacks({ toleranceSeconds: 60 })).toThrow(TypeError);
    expect(() => sunoCallbacks({ toleranceSeconds: 60 })).toThrow(hint);
  });

  it('refuses allowUnsigned: false with nothing else', () => {
    expect(() => sunoCallbacks({ allowUnsigned: false })).toThrow(hint);
  });

  it('refuses an empty secret (an unset environment variable) and names the variable to check', () => {
    expect(() => sunoCallbacks({ secret: '' })).toThrow(TypeError);
    expect(() => sunoCallbacks({ secret: '' })).toThrow(/`secret`[\s\S]*SUNO_WEBHOOK_SECRET/);
  });

  it('never echoes a secret or a token in its errors', () => {
    const messages: string[] = [];
    const attempts: Array<() => unknown> = [
      () => sunoCallbacks({ secret: [SECRET, ''] }),
      () => sunoCallbacks({ token: [TOKEN, ''] }),
      () => sunoCallbacks({ secret: SECRET, tolerance: 5 } as unknown as SunoCallbacksOptions),
      () => sunoCallbacks({ secret: SECRET, toleranceSeconds: -1 }),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
      } catch (error) {
        messages.push((error as Error).message);
      }
    }
    expect(messages).toHaveLength(attempts.length);
    for (const message of messages) {
      expect(message).not.toContain(SECRET);
      expect(message).not.toContain(TOKEN);
    }
  });
});

describe('allowUnsigned', () => {
  it('accepts unsigned callbacks and warns once, at creation, not per request', async () => {
    const app = createApp({ ...NO_SECRET, allowUnsigned: true });
    const warnings = () => app.logger.lines.filter(([level]) => level === 'warn');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.[1]).toMatch(/allowUnsigned/);

    for (const taskId of ['unsigned-1', 'unsigned-2', 'unsigned-3']) {
      const body = { ...COVER, data: { ...COVER.data, taskId } };
      const response = await send(app.app, body, {});
      expect(response.status).toBe(200);
      expect(response.body).toStrictEqual({ status: 'received' });
    }
    await until(() => app.of('cover-ready').length === 3);
    expect(app.of('rejected')).toHaveLength(0);
    expect(warnings()).toHaveLength(1);
    await app.suno.close();
  });

  it('does not switch off a configured secret: an unsigned callback is still refused', async () => {
    const app = createApp({ allowUnsigned: true });
    await expectRejected(app, await send(app.app, COVER, {}), 401, 'missing_signature');
    // The refusal itself is logged (the rejection log); the allowUnsigned warning is not.
    expect(app.logger.lines.filter(([level, line]) => level === 'warn' && line.includes('allowUnsigned'))).toHaveLength(0);
  });

  it('does not switch off a configured token either', async () => {
    const app = createApp({ ...NO_SECRET, token: TOKEN, allowUnsigned: true });
    await expectRejected(app, await send(app.app, COVER, {}), 401, 'invalid_token');
  });
});

describe('no secret or token ever reaches an answer or a log line', () => {
  it('across accepted, refused and odd requests in every mode', async () => {
    const secretApp = createApp({ secret: [SECRET, SECOND_SECRET] });
    const tokenApp = createApp({ ...NO_SECRET, token: TOKEN });
    const responses: Response[] = [
      await post(secretApp.app, COVER),
      await post(secretApp.app, COVER),
      await post(secretApp.app, COVER, '/suno/callback/nonsense'),
      await send(secretApp.app, COVER, {}),
      await send(secretApp.app, COVER, signed(COVER, { secret: 'wrong' })),
      await send(secretApp.app, COVER, signed(COVER, { timestamp: 1 })),
      await send(secretApp.app, { code: 200 }, signed(COVER)),
      await send(secretApp.app, [1, 2] as unknown as object, signed(COVER)),
      await request(secretApp.app).post('/suno/callback').set(signed(COVER)).set('Content-Type', 'application/json').send('{'),
      await request(secretApp.app).get('/suno/callback'),
      await send(tokenApp.app, COVER, {}, `/suno/callback?token=${TOKEN}`),
      await send(tokenApp.app, COVER, {}, `/suno/callback?token=${TOKEN}x`),
      await send(tokenApp.app, COVER, {}, `/suno/callback?token=${TOKEN}`),
    ];
    await settle();
    expect(responses.map((response) => response.status)).toStrictEqual([200, 200, 200, 401, 401, 401, 400, 400, 400, 405, 200, 401, 200]);

    const seen = [
      ...responses.map((response) => `${JSON.stringify(response.headers)} ${response.text}`),
      ...[secretApp, tokenApp].flatMap((app) => app.logger.lines.map(([level, message]) => `${level} ${message}`)),
      ...[secretApp, tokenApp].flatMap((app) => app.of('rejected').map((event) => JSON.stringify(event))),
    ];
    // The log did get something to say (the unknown kind), so the check below looks at real lines.
    expect(secretApp.logger.lines.some(([, message]) => message.includes('nonsense'))).toBe(true);
    for (const text of seen) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(SECOND_SECRET);
      expect(text).not.toContain(TOKEN);
    }
    await secretApp.suno.close();
    await tokenApp.suno.close();
  });
});
