import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import request, { type Response } from 'supertest';
import { sunoCallbacks, type SunoCallbacksOptions } from '../lib/index.js';
import type { CallbackEvent } from '../lib/events.js';
import { SECRET, createApp, memoryLogger, post, signed, until } from './helpers/app.js';
import { fixture, fixtureIndex } from './helpers/fixtures.js';

type TestApp = ReturnType<typeof createApp>;

const COVER = fixture('cover.success.json');
const COVER_TASK_ID = '21aee3c3c2a01fa5e030b3799fa4dd56';
const NOT_FOUND = { error: 'not_found' };

async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Accepted: 200 `received`, and exactly one `callback` event, for `taskId`. */
async function expectAccepted(app: TestApp | MountedApp, response: Response, taskId = COVER_TASK_ID): Promise<CallbackEvent> {
  const callbacks = (): readonly CallbackEvent[] => ('callbacks' in app ? app.callbacks : app.of('callback'));
  expect(response.status).toBe(200);
  expect(response.body).toStrictEqual({ status: 'received' });
  await until(() => callbacks().length === 1);
  const event = callbacks()[0] as CallbackEvent;
  expect(event.taskId).toBe(taskId);
  return event;
}

/** Passed on: the app's own 404 answered, and the middleware neither answered nor reported anything. */
async function expectPassedOn(app: TestApp, response: Response): Promise<void> {
  expect(response.status).toBe(404);
  expect(response.body).toStrictEqual(NOT_FOUND);
  await settle();
  expect(app.events).toStrictEqual([]);
}

/**
 * The middleware alone under `mount`, with the same recording as createApp(): createApp() always mounts at the root.
 */
function mountedApp(mount: string, options: SunoCallbacksOptions = {}, framework: typeof express = express) {
  const logger = memoryLogger();
  const suno = sunoCallbacks({ secret: SECRET, logger, retry: { retries: 0, minTimeout: 0 }, ...options });
  const app = framework();
  app.use(mount, suno);
  app.use((_req, res) => {
    res.status(404).json(NOT_FOUND);
  });
  const callbacks: CallbackEvent[] = [];
  const rejected: unknown[] = [];
  suno.on('callback', (event) => void callbacks.push(event));
  suno.on('rejected', (event) => void rejected.push(event));
  return { app, suno, logger, callbacks, rejected };
}

type MountedApp = ReturnType<typeof mountedApp>;

describe('the paths it answers', () => {
  it('POST /suno/callback', async () => {
    const app = createApp();
    const event = await expectAccepted(app, await post(app.app, COVER));
    expect(event.kind).toBe('cover');
    await app.suno.close();
  });

  it('POST /suno/callback/ (trailing slash)', async () => {
    const app = createApp();
    await expectAccepted(app, await post(app.app, COVER, '/suno/callback/'));
    expect(app.logger.lines).toStrictEqual([]);
    await app.suno.close();
  });

  it.each(fixtureIndex.map((entry) => [entry.file, entry] as const))(
    'POST /suno/callback/<kind> with %s: classified as that kind',
    async (_file, entry) => {
      const app = createApp();
      const event = await expectAccepted(app, await post(app.app, fixture(entry.file), `/suno/callback/${entry.kind}`), entry.taskId);
      expect(event.kind).toBe(entry.kind);
      expect(event.stage).toBe(entry.stage);
      expect(app.logger.lines).toStrictEqual([]);
      await app.suno.close();
    },
  );

  it('POST /suno/callback// (an empty kind segment) is a callback without a hint, and nothing to warn about', async () => {
    const app = createApp();
    await expectAccepted(app, await post(app.app, COVER, '/suno/callback//'));
    expect(app.logger.lines).toStrictEqual([]);
    await app.suno.close();
  });

  it('POST /suno/callback/lyrics/ (trailing slash after the kind) keeps the hint', async () => {
    const app = createApp();
    await expectAccepted(app, await post(app.app, fixture('lyrics.error.kie.json'), '/suno/callback/lyrics/'), '3b66882fde0a5d398bd269cab6d9542b');
    expect(app.of('failure')[0]?.kind).toBe('lyrics');
    await app.suno.close();
  });
});

describe('the kind hint wins over the body', () => {
  it('lyrics.error.kie.json at /suno/callback/lyrics is a lyrics failure (unknown without the hint)', async () => {
    const hinted = createApp();
    await expectAccepted(hinted, await post(hinted.app, fixture('lyrics.error.kie.json'), '/suno/callback/lyrics'), '3b66882fde0a5d398bd269cab6d9542b');
    expect(hinted.of('failure')).toStrictEqual([expect.objectContaining({ kind: 'lyrics', stage: 'error', code: 400 })]);
    expect(hinted.of('failure')[0]?.key).toBe('lyrics:3b66882fde0a5d398bd269cab6d9542b:error');

    const bare = createApp();
    await expectAccepted(bare, await post(bare.app, fixture('lyrics.error.kie.json')), '3b66882fde0a5d398bd269cab6d9542b');
    expect(bare.of('failure')[0]?.kind).toBe('unknown');
    await hinted.suno.close();
    await bare.suno.close();
  });

  it('a music failure body sent to /suno/callback/stems is a stems failure', async () => {
    const app = createApp();
    await expectAccepted(app, await post(app.app, fixture('music.error.sunoapi.json'), '/suno/callback/stems'), '2fac****9f72');
    expect(app.of('failure')[0]).toMatchObject({ kind: 'stems', stage: 'error' });
    await app.suno.close();
  });

  it('a cover body sent to /suno/callback/video is validated as a video: acknowledged, and unrecognized for lacking its URL', async () => {
    const app = createApp();
    const response = await post(app.app, COVER, '/suno/callback/video');
    expect(response.status).toBe(200);
    await until(() => app.of('unrecognized').length === 1);
    expect(app.of('unrecognized')[0]).toMatchObject({ claimedKind: 'video', details: expect.arrayContaining([expect.stringMatching(/^\/data/)]) });
    expect(app.of('callback')).toHaveLength(0);
  });
});

describe('everything else goes to next()', () => {
  it.each([
    ['GET', '/other'],
    ['POST', '/other'],
    ['POST', '/suno/callbackx'],
    ['POST', '/suno/callback-lyrics'],
    ['POST', '/suno/callback/a/b'],
    ['POST', '/suno/callback/lyrics/extra'],
    ['POST', '/suno'],
    ['POST', '/'],
    ['GET', '/suno/callbackx'],
    ['GET', '/suno/callback/a/b'],
    ['POST', '/suno/callbackx?x=/suno/callback'],
  ])('%s %s', async (method, path) => {
    const app = createApp();
    const response = await request(app.app)[method === 'GET' ? 'get' : 'post'](path)
      .set(signed(COVER))
      .set('Content-Type', 'application/json')
      .send(method === 'GET' ? undefined : JSON.stringify(COVER));
    await expectPassedOn(app, response);
  });

  it('a route after the middleware still gets its own POST body', async () => {
    const app = createApp({}, (server) => {
      server.post('/orders', express.json(), (req, res) => {
        res.json({ echoed: req.body as unknown });
      });
    });
    const response = await request(app.app).post('/orders').send({ id: 7 });
    expect(response.status).toBe(200);
    expect(response.body).toStrictEqual({ echoed: { id: 7 } });
  });
});

describe('405 for another method on the path', () => {
  const methods = ['get', 'put', 'patch', 'delete', 'options'] as const;

  it.each(methods.flatMap((method) => ['/suno/callback', '/suno/callback/', '/suno/callback/lyrics', '/suno/callback?x=1'].map((path) => [method, path] as const)))(
    '%s %s',
    async (method, path) => {
      const app = createApp();
      const response = await request(app.app)[method](path);
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('POST');
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.body).toStrictEqual({ error: 'method_not_allowed', message: expect.stringMatching(/POST/) });
      await settle();
      expect(app.events.map((entry) => entry.name)).toStrictEqual(['rejected']);
      expect(app.of('rejected')).toStrictEqual([
        { status: 405, error: 'method_not_allowed', message: (response.body as { message: string }).message, receivedAt: expect.any(Date), hint: expect.stringMatching(/^send POST/) },
      ]);
    },
  );

  it('HEAD gets 405 and Allow: POST, with no body', async () => {
    const app = createApp();
    const response = await request(app.app).head('/suno/callback');
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.text).toBeUndefined();
  });
});

describe('mounted under a prefix', () => {
  it('app.use("/hooks", suno) answers /hooks/suno/callback', async () => {
    const app = mountedApp('/hooks');
    await expectAccepted(app, await post(app.app, COVER, '/hooks/suno/callback'));
    await app.suno.close();
  });

  it('and /hooks/suno/callback/<kind>, with the hint', async () => {
    const app = mountedApp('/hooks');
    await expectAccepted(app, await post(app.app, fixture('lyrics.error.kie.json'), '/hooks/suno/callback/lyrics'), '3b66882fde0a5d398bd269cab6d9542b');
    expect(app.callbacks[0]?.kind).toBe('lyrics');
    await app.suno.close();
  });

  it.each([['/suno/callback'], ['/hooks/suno/callbackx'], ['/hooks'], ['/hooks/other']])('but not %s', async (path) => {
    const app = mountedApp('/hooks');
    const response = await post(app.app, COVER, path);
    expect(response.status).toBe(404);
    expect(response.body).toStrictEqual(NOT_FOUND);
    await settle();
    expect(app.callbacks).toStrictEqual([]);
    expect(app.rejected).toStrictEqual([]);
  });

  it('GET /hooks/suno/callback is 405', async () => {
    const app = mountedApp('/hooks');
    const response = await request(app.app).get('/hooks/suno/callback');
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('POST');
  });

  it('the same under Express 4', async () => {
    const express4 = createRequire(import.meta.url)('express4') as typeof express;
    const app = mountedApp('/hooks', {}, express4);
    await expectAccepted(app, await post(app.app, COVER, '/hooks/suno/callback?token=ignored'));
    const outside = await post(app.app, COVER, '/suno/callback');
    expect(outside.status).toBe(404);
    await app.suno.close();
  });
});

describe('a custom `path`', () => {
  it('is normalised: "/webhooks/suno/" serves /webhooks/suno and /webhooks/suno/', async () => {
    const app = createApp({ path: '/webhooks/suno/' });
    expect(app.suno.path).toBe('/webhooks/suno');
    const first = await post(app.app, COVER, '/webhooks/suno');
    expect(first.body).toStrictEqual({ status: 'received' });
    const second = await post(app.app, fixture('video.success.sunoapi.json'), '/webhooks/suno/');
    expect(second.body).toStrictEqual({ status: 'received' });
    await until(() => app.of('callback').length === 2);
    await app.suno.close();
  });

  it('several trailing slashes are normalised too', () => {
    const app = createApp({ path: '/webhooks/suno///' });
    expect(app.suno.path).toBe('/webhooks/suno');
  });

  it('gives kind hints below it', async () => {
    const app = createApp({ path: '/webhooks/suno' });
    await expectAccepted(app, await post(app.app, fixture('lyrics.error.kie.json'), '/webhooks/suno/lyrics'), '3b66882fde0a5d398bd269cab6d9542b');
    expect(app.of('failure')[0]?.kind).toBe('lyrics');
    await app.suno.close();
  });

  it.each([['/suno/callback'], ['/webhooks/sunox'], ['/webhooks/suno/a/b'], ['/webhooks']])('no longer answers %s', async (path) => {
    const app = createApp({ path: '/webhooks/suno' });
    await expectPassedOn(app, await post(app.app, COVER, path));
  });

  it('path "/" under a mount point takes the mount point itself', async () => {
    const app = mountedApp('/suno-in', { path: '/' });
    await expectAccepted(app, await post(app.app, fixture('lyrics.error.kie.json'), '/suno-in/lyrics'), '3b66882fde0a5d398bd269cab6d9542b');
    expect(app.callbacks[0]?.kind).toBe('lyrics');
    const again = await post(app.app, COVER, '/suno-in');
    expect(again.body).toStrictEqual({ status: 'received' });
    await app.suno.close();
  });

  it('path "/" at the root of an app takes only kind segments and leaves the rest of the app alone', async () => {
    const app = createApp({ path: '/' }, (express) => {
      express.get('/health', (_req, res) => void res.json({ ok: true }));
    });
    expect((await request(app.app).get('/health')).body).toStrictEqual({ ok: true });
    expect((await post(app.app, COVER, '/anything')).status).toBe(404);
    expect((await post(app.app, COVER, '/cover')).body).toStrictEqual({ status: 'received' });
    await app.suno.close();
  });

  it.each([['suno/callback'], ['/suno/:kind'], ['/suno/*'], ['/suno?x=1'], ['/suno#x']])('refuses %j with a TypeError naming `path`', (path) => {
    expect(() => sunoCallbacks({ secret: SECRET, path })).toThrow(TypeError);
    expect(() => sunoCallbacks({ secret: SECRET, path })).toThrow(/`path`/);
  });
});

describe('an unknown kind segment', () => {
  it('is accepted, the kind worked out from the body, and a warning is logged', async () => {
    const app = createApp();
    const event = await expectAccepted(app, await post(app.app, COVER, '/suno/callback/nonsense'));
    expect(event.kind).toBe('cover');
    expect(app.of('cover-ready')).toHaveLength(1);
    const warnings = app.logger.lines.filter(([level]) => level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.[1]).toMatch(/unknown kind "nonsense"/);
    await app.suno.close();
  });

  it('a failure that needs the hint is still accepted, as kind "unknown"', async () => {
    const app = createApp();
    await expectAccepted(app, await post(app.app, fixture('lyrics.error.kie.json'), '/suno/callback/nonsense'), '3b66882fde0a5d398bd269cab6d9542b');
    expect(app.of('failure')[0]?.kind).toBe('unknown');
    await app.suno.close();
  });

  it('a kind that differs only in letter case is unknown too (kinds are lower-case)', async () => {
    const app = createApp();
    const event = await expectAccepted(app, await post(app.app, COVER, '/suno/callback/Cover'));
    expect(event.kind).toBe('cover');
    expect(app.logger.lines.filter(([level]) => level === 'warn')).toHaveLength(1);
    await app.suno.close();
  });

  it('an attacker-sized segment is cut short in the log', async () => {
    const app = createApp();
    const segment = 'k'.repeat(5000);
    await expectAccepted(app, await post(app.app, COVER, `/suno/callback/${segment}`));
    const warning = app.logger.lines.find(([level]) => level === 'warn')?.[1] ?? '';
    expect(warning).toContain('k'.repeat(40));
    expect(warning.length).toBeLessThan(200);
    await app.suno.close();
  });
});

describe('query strings', () => {
  it.each([
    ['/suno/callback?token=abc'],
    ['/suno/callback?token=abc&user=1&empty='],
    ['/suno/callback/?x=1'],
    ['/suno/callback?next=/suno/callback/a/b'],
    ['/suno/callback?'],
  ])('POST %s is a callback', async (path) => {
    const app = createApp();
    await expectAccepted(app, await post(app.app, COVER, path));
    await app.suno.close();
  });

  it('POST /suno/callback/lyrics?x=1 keeps the lyrics hint', async () => {
    const app = createApp();
    await expectAccepted(app, await post(app.app, fixture('lyrics.error.kie.json'), '/suno/callback/lyrics?x=1'), '3b66882fde0a5d398bd269cab6d9542b');
    expect(app.of('failure')[0]?.kind).toBe('lyrics');
    expect(app.logger.lines).toStrictEqual([]);
    await app.suno.close();
  });
});

describe('on a plain node:http server (no Express: only req.url)', () => {
  function plainServer() {
    const suno = sunoCallbacks({ secret: SECRET, logger: memoryLogger(), retry: { retries: 0, minTimeout: 0 } });
    const callbacks: CallbackEvent[] = [];
    suno.on('callback', (event) => void callbacks.push(event));
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      suno(req, res, () => {
        res.statusCode = 404;
        res.end('passed on');
      });
    });
    return { server, suno, callbacks };
  }

  it('routes on the path without its query string, and passes the rest on', async () => {
    const { server, suno, callbacks } = plainServer();
    const postTo = (body: Record<string, unknown>, path: string) =>
      request(server).post(path).set(signed(body)).set('Content-Type', 'application/json').send(JSON.stringify(body));
    const accepted = await postTo(COVER, '/suno/callback?token=abc');
    expect(accepted.status).toBe(200);
    const hinted = await postTo(fixture('lyrics.error.kie.json'), '/suno/callback/lyrics?x=1');
    expect(hinted.status).toBe(200);
    await until(() => callbacks.length === 2);
    expect(callbacks.map((event) => event.kind).sort()).toStrictEqual(['cover', 'lyrics']);

    const other = await postTo(COVER, '/other?x=/suno/callback');
    expect(other.status).toBe(404);
    expect(other.text).toBe('passed on');
    const wrongMethod = await request(server).get('/suno/callback?x=1');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    await suno.close();
  });
});
