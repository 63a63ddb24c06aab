/**
 * Express 4 is in the peer range: the same middleware, mounted on express@4 (installed as the `express4` alias).
 * Express 4 differs where it matters here: its body-parser sets `req.body = {}` even on requests it skips, and its
 * router computes `req.path` relative to the mount point in its own way.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type expressTypes from 'express';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { sunoCallbacks, type SunoCallbacks } from '../lib/index.js';
import type { SunoEventMap, SunoEventName } from '../lib/events.js';
import { memoryLogger, SECRET, signed, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';

// The alias has no type declarations of its own; express 5's describe everything used here.
const { default: express4 } = (await import('express4' as string)) as { default: typeof expressTypes };

const cover = fixture('cover.success.json');
const coverTaskId = cover.data.taskId as string;
const video = fixture('video.success.sunoapi.json');

const open: SunoCallbacks[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((suno) => suno.close()));
});

function receiver() {
  const suno = sunoCallbacks({ secret: SECRET, logger: memoryLogger(), retry: { retries: 0, minTimeout: 0 } });
  open.push(suno);
  const seen: Array<{ name: SunoEventName; event: unknown }> = [];
  for (const name of ['cover-ready', 'video-ready', 'duplicate', 'rejected', 'unrecognized'] as const) {
    suno.on(name, (event) => void seen.push({ name, event }));
  }
  const of = <E extends SunoEventName>(name: E) =>
    seen.filter((entry) => entry.name === name).map((entry) => entry.event as SunoEventMap[E]);
  return { suno, of };
}

/** An express@4 app: `before` runs ahead of the middleware, then a route the middleware must let through. */
function appWith(suno: SunoCallbacks, options: { mount?: string; before?: (app: expressTypes.Express) => void } = {}) {
  const app = express4();
  options.before?.(app);
  if (options.mount === undefined) app.use(suno);
  else app.use(options.mount, suno);
  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return app;
}

function deliver(app: expressTypes.Express, body: Record<string, unknown>, path = '/suno/callback') {
  return request(app).post(path).set(signed(body)).set('Content-Type', 'application/json').send(JSON.stringify(body));
}

describe('on Express 4', () => {
  it('acknowledges a signed callback with 200 received and fires its event', async () => {
    const { suno, of } = receiver();
    const response = await deliver(appWith(suno), cover);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'received' });
    await until(() => of('cover-ready').length === 1);
    expect(of('cover-ready')[0]).toMatchObject({ kind: 'cover', taskId: coverTaskId, images: cover.data.images });
  });

  it('answers a redelivery with 200 duplicate and fires `duplicate`, not the event again', async () => {
    const { suno, of } = receiver();
    const app = appWith(suno);
    expect((await deliver(app, cover)).body).toEqual({ status: 'received' });
    const again = await deliver(app, cover);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate' });
    await until(() => of('duplicate').length === 1);
    expect(of('duplicate')[0]).toMatchObject({ key: `cover:${coverTaskId}:final` });
    expect(of('cover-ready')).toHaveLength(1);
  });

  it('answers under a mount prefix at /hooks/suno/callback (and /hooks/suno/callback/:kind), not at /suno/callback', async () => {
    const { suno, of } = receiver();
    const app = appWith(suno, { mount: '/hooks' });
    expect((await deliver(app, cover, '/hooks/suno/callback')).body).toEqual({ status: 'received' });
    expect((await deliver(app, video, '/hooks/suno/callback/video')).body).toEqual({ status: 'received' });
    expect((await deliver(app, cover, '/suno/callback')).status).toBe(404);
    await until(() => of('cover-ready').length === 1 && of('video-ready').length === 1);
    expect(of('video-ready')[0]?.videoUrl).toBe(video.data.video_url);
  });

  it("still works behind express4's express.json(), which has already consumed the stream", async () => {
    const { suno, of } = receiver();
    let parsedBefore: unknown;
    const app = appWith(suno, {
      before: (app) => {
        app.use(express4.json());
        app.use((req, _res, next) => {
          parsedBefore = req.body;
          next();
        });
      },
    });
    const response = await deliver(app, cover);
    expect(parsedBefore).toEqual(cover);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'received' });
    await until(() => of('cover-ready').length === 1);
    expect(of('cover-ready')[0]?.images).toEqual(cover.data.images);
  });

  it("reads the real body when express4's express.json() skipped the request and left `req.body = {}` (no Content-Type)", async () => {
    const { suno, of } = receiver();
    let leftBehind: unknown;
    const app = appWith(suno, {
      before: (app) => {
        app.use(express4.json());
        app.use((req, _res, next) => {
          leftBehind = req.body;
          next();
        });
      },
    });
    // A Buffer makes supertest send no Content-Type at all: json() does not match, so it skips the unread stream.
    const response = await request(app).post('/suno/callback').set(signed(cover)).send(Buffer.from(JSON.stringify(cover)));
    expect(leftBehind).toEqual({});
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'received' });
    await until(() => of('cover-ready').length === 1);
    expect(of('cover-ready')[0]).toMatchObject({ taskId: coverTaskId, images: cover.data.images });
    expect(of('unrecognized')).toEqual([]);
  });

  it("reads the real body when express4's express.json() skipped a `+json` media type it does not match", async () => {
    const { suno, of } = receiver();
    let leftBehind: unknown;
    const app = appWith(suno, {
      before: (app) => {
        app.use(express4.json());
        app.use((req, _res, next) => {
          leftBehind = req.body;
          next();
        });
      },
    });
    const response = await request(app)
      .post('/suno/callback')
      .set(signed(video))
      .set('Content-Type', 'application/vnd.suno+json; charset=utf-8')
      .send(JSON.stringify(video));
    expect(leftBehind).toEqual({});
    expect(response.body).toEqual({ status: 'received' });
    await until(() => of('video-ready').length === 1);
    expect(of('video-ready')[0]?.videoUrl).toBe(video.data.video_url);
  });

  it('answers GET on the path with 405 and `Allow: POST`, mounted at the root and under a prefix', async () => {
    const { suno, of } = receiver();
    for (const [app, path] of [
      [appWith(suno), '/suno/callback'],
      [appWith(suno, { mount: '/hooks' }), '/hooks/suno/callback/cover'],
    ] as const) {
      const response = await request(app).get(path);
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('POST');
      expect(response.body).toMatchObject({ error: 'method_not_allowed' });
    }
    expect(of('rejected').map((event) => event.status)).toEqual([405, 405]);
  });

  it('passes unrelated requests on to the next handler', async () => {
    const { suno, of } = receiver();
    const app = appWith(suno);
    const health = await request(app).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true });
    const elsewhere = await request(app).post('/suno/callbacks').set(signed(cover)).send(cover);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toEqual({ error: 'not_found' });
    expect(of('rejected')).toEqual([]);
  });

  it('reads a body sent slowly, in pieces, over a real connection', async () => {
    const { suno, of } = receiver();
    const server: Server = appWith(suno).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const text = JSON.stringify(cover);
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const outgoing = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/suno/callback',
            headers: { ...signed(cover), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
          },
          (response) => {
            let body = '';
            response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          },
        );
        outgoing.on('error', reject);
        const middle = Math.floor(text.length / 2);
        outgoing.write(text.slice(0, middle));
        setTimeout(() => outgoing.end(text.slice(middle)), 50);
      });
      expect(answer).toEqual({ status: 200, body: '{"status":"received"}' });
      await until(() => of('cover-ready').length === 1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
