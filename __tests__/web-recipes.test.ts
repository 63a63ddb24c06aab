/**
 * The recipes in examples/ that run on Node, run here: the Next.js route handler, the Cloudflare Worker and the
 * Lambda handler through Node's own Request/Response, Hono through @hono/node-server, and the plain node:http door,
 * each over a signed callback with a fresh task id. (Bun and Deno/Supabase need their own runtimes.)
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { serve } from '@hono/node-server';
import { signatureHeaders } from '../lib/signature.js';
import { fixture } from './helpers/fixtures.js';
import { until } from './helpers/app.js';

const SECRET = 'recipes-test-secret';
const logged: string[] = [];

beforeAll(() => {
  // The recipes read the secret when they are imported, as they would from the host's environment.
  process.env.SUNO_WEBHOOK_SECRET = SECRET;
  delete process.env.REDIS_URL;
  // The recipes' listeners print what they received: that output is what these tests look for.
  jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void logged.push(parts.join(' ')));
});

afterAll(() => {
  jest.restoreAllMocks();
});

afterEach(() => {
  logged.length = 0;
});

function cover(): { taskId: string; text: string; headers: Record<string, string> } {
  const taskId = randomBytes(16).toString('hex');
  const body = fixture('cover.success.json');
  body.data.taskId = taskId;
  return { taskId, text: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...signatureHeaders(SECRET, taskId) } };
}

function request(url: string, sent: ReturnType<typeof cover>): Request {
  return new Request(url, { method: 'POST', headers: sent.headers, body: sent.text });
}

describe('web recipes', () => {
  it('examples/nextjs-route.ts: POST answers after its listener ran, and dedupes', async () => {
    const { POST } = await import('../examples/nextjs-route.js');
    const sent = cover();
    const response = await POST(request('http://app.test/api/suno/callback', sent));
    expect(await response.json()).toEqual({ status: 'received' });
    // processBeforeAck: the listener has already run when the answer arrives.
    expect(logged).toContain(`cover ${sent.taskId}: 2 image(s)`);
    expect(await (await POST(request('http://app.test/api/suno/callback', sent))).json()).toEqual({ status: 'duplicate' });
    expect((await POST(new Request('http://app.test/api/suno/callback', { method: 'POST', body: sent.text }))).status).toBe(415);
  });

  it('examples/cloudflare-worker.ts: fetch(request, env, ctx) answers first and hands its listener to waitUntil', async () => {
    const worker = (await import('../examples/cloudflare-worker.js')).default;
    const sent = cover();
    const kept: Array<Promise<unknown>> = [];
    const ctx = { waitUntil: (promise: Promise<unknown>) => void kept.push(promise) };
    const response = await worker.fetch(request('https://worker.test/', sent), { SUNO_WEBHOOK_SECRET: SECRET }, ctx);
    expect(await response.json()).toEqual({ status: 'received' });
    expect(kept).toHaveLength(1);
    await Promise.all(kept);
    expect(logged).toContain(`cover ${sent.taskId}: 2 image(s)`);
    const unsigned = new Request('https://worker.test/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: sent.text });
    expect((await worker.fetch(unsigned, { SUNO_WEBHOOK_SECRET: SECRET }, ctx)).status).toBe(401);
  });

  it('examples/lambda-function-url.ts: a function URL event, plain or Base64, gets the answer as a result', async () => {
    const { handler } = await import('../examples/lambda-function-url.js');
    const sent = cover();
    const event = {
      rawPath: '/',
      rawQueryString: '',
      headers: { host: 'abc.lambda-url.eu-west-1.on.aws', 'content-type': 'application/json', ...lowerCase(sent.headers) },
      body: Buffer.from(sent.text).toString('base64'),
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST' } },
    };
    const result = await handler(event);
    expect(result).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(JSON.parse(result.body)).toEqual({ status: 'received' });
    expect(logged).toContain(`cover ${sent.taskId}: 2 image(s)`);
    const again = await handler({ ...event, body: sent.text, isBase64Encoded: false });
    expect(JSON.parse(again.body)).toEqual({ status: 'duplicate' });
  });

  it('examples/hono.ts: served by @hono/node-server over real HTTP', async () => {
    const { app } = await import('../examples/hono.js');
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const sent = cover();
      const post = (path: string) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: sent.headers, body: sent.text });
      const response = await post('/suno/callback/cover');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'received' });
      await until(() => logged.includes(`cover ${sent.taskId}: 2 image(s)`));
      expect(await (await post('/suno/callback')).json()).toEqual({ status: 'duplicate' });
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('examples/node-http.ts: the Express middleware on a plain node:http server, 404 for the rest', async () => {
    const { server } = await import('../examples/node-http.js');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const sent = cover();
      const response = await fetch(`http://127.0.0.1:${port}/suno/callback`, { method: 'POST', headers: sent.headers, body: sent.text });
      expect(await response.json()).toEqual({ status: 'received' });
      await until(() => logged.includes(`cover ${sent.taskId}: 2 image(s)`));
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
  it('examples/verify-then-queue.ts: queues a verified callback with its arrival time, refuses an unsigned one', async () => {
    const { enqueueCallback } = await import('../examples/verify-then-queue.js');
    const sent = cover();
    const queued: Array<{ body: string; receivedAt: number }> = [];
    const queue = { send: async (message: { body: string; receivedAt: number }) => void queued.push(message) };
    const before = Date.now();
    const response = await enqueueCallback(request('https://app.test/', sent), { SUNO_WEBHOOK_SECRET: SECRET }, queue);
    expect(await response.json()).toEqual({ status: 'queued', taskId: sent.taskId });
    expect(queued).toHaveLength(1);
    expect(queued[0]?.body).toBe(sent.text);
    expect(queued[0]?.receivedAt).toBeGreaterThanOrEqual(before);
    const unsigned = new Request('https://app.test/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: sent.text });
    const refused = await enqueueCallback(unsigned, { SUNO_WEBHOOK_SECRET: SECRET }, queue);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'missing_signature' });
    const wrongKey = await enqueueCallback(request('https://app.test/', sent), { SUNO_WEBHOOK_SECRET: 'another-secret' }, queue);
    expect(await wrongKey.json()).toEqual({ error: 'invalid_signature' });
    expect(queued).toHaveLength(1);
  });
});

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
