/**
 * The web door (`suno-callbacks/web`) through Node's own Fetch `Request` and `Response`: the same answers, events and
 * dedupe as the Express door, headers checked before the body, the body bounded in size and time, and `waitUntil`.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import * as express from '../lib/index.js';
import { nodeSha256, signatureHeaders } from '../lib/signature.js';
import { webSha256 } from '../lib/web/web-crypto.js';
import * as web from '../lib/web/index.js';
import type { SunoEventMap, SunoEventName } from '../lib/events.js';
import { fixture } from './helpers/fixtures.js';
import { SECRET, createApp, memoryLogger, post, until } from './helpers/app.js';

const URL_BASE = 'http://receiver.test';
// `new Request` with a string body says text/plain unless told otherwise; the provider sends JSON.
const JSON_TYPE = { 'Content-Type': 'application/json' };

function coverBody(taskId = randomBytes(16).toString('hex')): Record<string, any> {
  const body = fixture('cover.success.json');
  body.data.taskId = taskId;
  return body;
}

function signedRequest(body: Record<string, any>, init: { path?: string; headers?: Record<string, string> } = {}): Request {
  const taskId = String(body.data?.task_id ?? body.data?.taskId ?? body.taskId ?? body.task_id);
  return new Request(`${URL_BASE}${init.path ?? '/api/suno'}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...signatureHeaders(SECRET, taskId), ...init.headers },
    body: JSON.stringify(body),
  });
}

function receiver(options: web.SunoWebOptions = {}) {
  const suno = web.sunoCallbacks({ secret: SECRET, logger: memoryLogger(), retry: { retries: 0, minTimeout: 0 }, ...options });
  const events: Array<{ name: SunoEventName; event: unknown }> = [];
  for (const name of ['cover-ready', 'callback', 'duplicate', 'rejected', 'failure', 'unrecognized', 'error'] as const) {
    suno.on(name, (event: unknown) => void events.push({ name, event }));
  }
  const of = <E extends SunoEventName>(name: E): Array<SunoEventMap[E]> =>
    events.filter((entry) => entry.name === name).map((entry) => entry.event as SunoEventMap[E]);
  return { suno, events, of };
}

/** A request body that never ends, recording whether anyone read or cancelled it. */
function endlessBody(first?: Uint8Array): { stream: ReadableStream<Uint8Array>; pulls: () => number; cancelled: () => boolean } {
  let pulls = 0;
  let cancelled = false;
  let sent = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls += 1;
        if (first !== undefined && !sent) {
          sent = true;
          controller.enqueue(first);
        }
        // Otherwise nothing: the sender stalls.
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulls: () => pulls, cancelled: () => cancelled };
}

function streamingRequest(stream: ReadableStream<Uint8Array>, headers: Record<string, string>): Request {
  return new Request(`${URL_BASE}/api/suno`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: stream,
    duplex: 'half',
  } as RequestInit);
}

describe('suno-callbacks/web: sunoCallbacks().fetch', () => {
  it('accepts a signed callback, fires the typed events, and answers a redelivery "duplicate"', async () => {
    const { suno, of } = receiver();
    const body = coverBody();
    const response = await suno.fetch(signedRequest(body));
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'received' });
    await until(() => of('cover-ready').length === 1);
    expect(of('cover-ready')[0]).toMatchObject({ kind: 'cover', stage: 'final', taskId: body.data.taskId, images: body.data.images });

    const again = await suno.fetch(signedRequest(body));
    expect(await again.json()).toEqual({ status: 'duplicate' });
    expect(of('duplicate')).toHaveLength(1);
    await suno.close();
  });

  it('gives the same answers as the Express door for the same bad requests', async () => {
    const { suno, of } = receiver();
    const body = coverBody();
    const cases: Array<[string, Request, number, string]> = [
      ['unsigned', new Request(`${URL_BASE}/x`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body) }), 401, 'missing_signature'],
      ['wrong key', new Request(`${URL_BASE}/x`, {
        method: 'POST',
        headers: { ...JSON_TYPE, ...signatureHeaders('another-secret', body.data.taskId) },
        body: JSON.stringify(body),
      }), 401, 'invalid_signature'],
      ['stale', new Request(`${URL_BASE}/x`, {
        method: 'POST',
        headers: { ...JSON_TYPE, ...signatureHeaders(SECRET, body.data.taskId, Math.floor(Date.now() / 1000) - 3600) },
        body: JSON.stringify(body),
      }), 401, 'stale_timestamp'],
      ['GET', new Request(`${URL_BASE}/x`), 405, 'method_not_allowed'],
      ['text/plain', signedRequest(body, { headers: { 'Content-Type': 'text/plain' } }), 415, 'unsupported_media_type'],
      ['gzip', signedRequest(body, { headers: { 'Content-Encoding': 'gzip' } }), 415, 'unsupported_media_type'],
      ['not JSON', new Request(`${URL_BASE}/x`, {
        method: 'POST',
        headers: { ...JSON_TYPE, ...signatureHeaders(SECRET, body.data.taskId) },
        body: '{"data":',
      }), 400, 'invalid_json'],
      ['no task id', signedRequest({ code: 200, data: {} }, { headers: signatureHeaders(SECRET, 'x') }), 400, 'missing_task_id'],
      ['nested too deep', signedRequest({ code: 200, taskId: 'deep', data: JSON.parse('['.repeat(40) + ']'.repeat(40)) }), 400, 'invalid_payload'],
    ];
    for (const [name, request, status, error] of cases) {
      const response = await suno.fetch(request);
      expect({ name, status: response.status, body: await response.json() }).toMatchObject({ name, status, body: { error } });
    }
    const get = await suno.fetch(new Request(`${URL_BASE}/x`));
    expect(get.headers.get('allow')).toBe('POST');
    expect(of('rejected').map((event) => event.status)).toEqual([...cases.map(([, , status]) => status), 405]);
    await suno.close();

    // The Express door, given the same body without a task id, answers the same body.
    const { app, suno: middleware } = createApp();
    const invalid = { code: 200, msg: 'ok', data: { images: ['https://cdn.example/a.png'] } };
    const webAnswer = await (await receiver().suno.fetch(signedRequest(invalid))).json();
    const expressAnswer = (await post(app, invalid)).body as unknown;
    expect(webAnswer).toEqual(expressAnswer);
    await middleware.close();
  });

  it('refuses missing or stale signature headers with 401 before reading any of the body', async () => {
    const { suno } = receiver();
    const unsigned = endlessBody();
    const response = await suno.fetch(streamingRequest(unsigned.stream, {}));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'missing_signature' });
    expect(unsigned.pulls()).toBe(0);
    expect(unsigned.cancelled()).toBe(true);

    const stale = endlessBody();
    const staleHeaders = signatureHeaders(SECRET, 'task', Math.floor(Date.now() / 1000) - 3600);
    const staleResponse = await suno.fetch(streamingRequest(stale.stream, staleHeaders));
    expect(await staleResponse.json()).toMatchObject({ error: 'stale_timestamp' });
    expect(stale.pulls()).toBe(0);

    const malformed = endlessBody();
    const malformedHeaders = { ...signatureHeaders(SECRET, 'task'), 'X-Webhook-Signature': 'not-base64' };
    expect(await (await suno.fetch(streamingRequest(malformed.stream, malformedHeaders))).json()).toMatchObject({ error: 'invalid_signature' });
    expect(malformed.pulls()).toBe(0);
    await suno.close();
  });

  it('answers 413 for a declared or a streamed body over maxBodyBytes, and 408 when the body stalls', async () => {
    const { suno } = receiver({ maxBodyBytes: 1000, bodyTimeoutMs: 150 });
    const body = coverBody();
    body.data.padding = 'x'.repeat(2000);
    const declared = await suno.fetch(signedRequest(body));
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: 'body_too_large' });

    // No Content-Length (a stream): the running count stops it.
    const big = new TextEncoder().encode(JSON.stringify(body));
    const streamed = endlessBody(big);
    const streamedResponse = await suno.fetch(streamingRequest(streamed.stream, signatureHeaders(SECRET, body.data.taskId)));
    expect(streamedResponse.status).toBe(413);
    expect(streamed.cancelled()).toBe(true);

    const stalled = endlessBody(new TextEncoder().encode('{"code":200,'));
    const started = Date.now();
    const stalledResponse = await suno.fetch(streamingRequest(stalled.stream, signatureHeaders(SECRET, body.data.taskId)));
    expect(stalledResponse.status).toBe(408);
    expect(await stalledResponse.json()).toMatchObject({ error: 'body_timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(stalled.cancelled()).toBe(true);
    await suno.close();
  });

  it('binds a signature to its first body (Web Crypto digests): the same headers on another body are refused', async () => {
    const { suno, of } = receiver();
    const body = coverBody();
    expect((await suno.fetch(signedRequest(body))).status).toBe(200);
    const headers = signatureHeaders(SECRET, body.data.taskId);
    const forged = { ...body, data: { ...body.data, images: ['https://attacker.example/x.png'] } };
    const first = await suno.fetch(signedRequest(body, { headers }));
    expect(await first.json()).toEqual({ status: 'duplicate' });
    const replayed = await suno.fetch(signedRequest(forged, { headers }));
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ error: 'replayed_signature' });
    await until(() => of('cover-ready').length === 1);
    expect(of('cover-ready')[0]?.images).toEqual(body.data.images);
    await suno.close();
  });

  it('hands the listeners to ctx.waitUntil: the answer comes first, the promise settles when they are done', async () => {
    const { suno } = receiver();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finished = false;
    suno.on('cover-ready', async () => {
      await gate;
      finished = true;
    });
    const kept: Array<Promise<unknown>> = [];
    const response = await suno.fetch(signedRequest(coverBody()), { waitUntil: (promise) => void kept.push(promise) });
    expect(response.status).toBe(200);
    expect(kept).toHaveLength(1);
    expect(finished).toBe(false);
    expect(suno.inFlight).toBe(1);
    release();
    await kept[0];
    expect(finished).toBe(true);
    expect(suno.inFlight).toBe(0);
    await suno.close();
  });

  it('with processBeforeAck answers only after the listeners: 500 handler_failed when one fails', async () => {
    const { suno } = receiver({ processBeforeAck: true });
    let calls = 0;
    suno.on('cover-ready', () => {
      calls += 1;
      if (calls === 1) throw new Error('database down');
    });
    const body = coverBody();
    const failed = await suno.fetch(signedRequest(body));
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: 'handler_failed' });
    // The key was released: the provider's redelivery is processed, not answered "duplicate".
    const retried = await suno.fetch(signedRequest(body));
    expect(await retried.json()).toEqual({ status: 'received' });
    expect(calls).toBe(2);
    await suno.close();
  });

  it('takes the kind hint from the last path segment, or matches `path` exactly when it is given', async () => {
    const { suno, of } = receiver();
    // A failed lyrics "complete" with no items cannot be told from music without the hint.
    const body = fixture('lyrics.error.sunoapi.json');
    const response = await suno.fetch(signedRequest(body, { path: '/api/suno/lyrics' }));
    expect(response.status).toBe(200);
    await until(() => of('failure').length === 1);
    expect(of('failure')[0]).toMatchObject({ kind: 'lyrics' });
    await suno.close();

    const routed = receiver({ path: '/hooks/suno' });
    expect((await routed.suno.fetch(signedRequest(coverBody(), { path: '/elsewhere' }))).status).toBe(404);
    expect((await routed.suno.fetch(signedRequest(coverBody(), { path: '/hooks/suno' }))).status).toBe(200);
    expect((await routed.suno.fetch(signedRequest(coverBody(), { path: '/hooks/suno/cover' }))).status).toBe(200);
    await routed.suno.close();
  });

  it('accepts the token query parameter instead of a signature', async () => {
    const suno = web.sunoCallbacks({ token: 'the-token', logger: memoryLogger() });
    const body = JSON.stringify(coverBody());
    const wrong = await suno.fetch(new Request(`${URL_BASE}/cb?token=nope`, { method: 'POST', headers: JSON_TYPE, body }));
    expect(wrong.status).toBe(401);
    const right = await suno.fetch(new Request(`${URL_BASE}/cb?token=the-token`, { method: 'POST', headers: JSON_TYPE, body }));
    expect(right.status).toBe(200);
    // Among other parameters, before a fragment, percent-encoded: read as URLSearchParams reads it.
    const encoded = new Request(`${URL_BASE}/cb/cover?a=1&token=the%2Dtoken#part`, { method: 'POST', headers: JSON_TYPE, body });
    expect(await (await suno.fetch(encoded)).json()).toEqual({ status: 'duplicate' });
    await suno.close();
  });

  it('answers 503 shutting_down after close(), and refuses the Node-only downloads option', async () => {
    const { suno } = receiver();
    await suno.close();
    const response = await suno.fetch(signedRequest(coverBody()));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(() => web.sunoCallbacks({ secret: SECRET, downloads: { dir: '/tmp' } } as never)).toThrow(/`downloads`/);
    expect(() => web.sunoCallbacks({ secret: SECRET, bodyTimeoutMs: 0 })).toThrow(/`bodyTimeoutMs`/);
  });
});

describe('verifyCallback and parseCallback, in both doors', () => {
  const body = coverBody('0123456789abcdef0123456789abcdef');
  const text = JSON.stringify(body);
  const timestamp = 1_700_000_000;
  const headers = signatureHeaders(SECRET, body.data.taskId, timestamp);
  const receivedAt = new Date(timestamp * 1000 + 10_000);

  it('agree on signature and freshness, with receivedAt for replayed deliveries', async () => {
    const inputs = [
      { body: text, headers, secret: SECRET, receivedAt },
      { body: new TextEncoder().encode(text), headers: new Headers(headers), secret: ['old', SECRET], receivedAt },
      { body, headers: { 'x-webhook-timestamp': headers['X-Webhook-Timestamp'], 'x-webhook-signature': [headers['X-Webhook-Signature']] }, secret: SECRET, receivedAt },
      { body: text, headers, secret: SECRET }, // now: years after the timestamp
      { body: text, headers, secret: 'wrong', receivedAt },
      { body: '{"data":{}}', headers, secret: SECRET, receivedAt },
      { body: 'nope', headers, secret: SECRET, receivedAt },
      { body: text, headers: {}, secret: SECRET, receivedAt },
    ];
    const expected = [
      { ok: true, taskId: body.data.taskId, secretIndex: 0 },
      { ok: true, taskId: body.data.taskId, secretIndex: 1 },
      { ok: true, taskId: body.data.taskId, secretIndex: 0 },
      { ok: false, error: 'stale_timestamp' },
      { ok: false, error: 'invalid_signature' },
      { ok: false, error: 'missing_task_id' },
      { ok: false, error: 'invalid_json' },
      { ok: false, error: 'missing_signature' },
    ];
    for (const [index, input] of inputs.entries()) {
      const fromExpress = express.verifyCallback(input);
      const fromWeb = await web.verifyCallback(input);
      expect(fromExpress).toMatchObject(expected[index] as object);
      expect(fromWeb).toEqual(fromExpress);
    }
    expect(() => express.verifyCallback({ body: text, headers, secret: '' })).toThrow(TypeError);
    await expect(web.verifyCallback({ body: text, headers, secret: SECRET, receivedAt: Number.NaN })).rejects.toThrow(/receivedAt/);
  });

  it('Web Crypto and node:crypto agree on SHA-256 digests', async () => {
    const parts = ['cover:abc:final', '\n', new TextEncoder().encode('{"héllo":"🎵"}'), 'x'.repeat(5000)];
    // Each of node's paths (several parts with bytes, strings only, a single part) against Web Crypto's one.
    for (const input of [parts, ['cover:abc:final', '\n', 'Zm9v'], [parts[2] as Uint8Array], ['x'.repeat(5000)]]) {
      expect(await webSha256(input)).toBe(nodeSha256(input));
    }
    expect(nodeSha256([])).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  it('the web door computes the signature the provider (and node:crypto) computes', async () => {
    expect(await web.computeSignatureAsync(SECRET, 'task', 1_700_000_000)).toBe(
      signatureHeaders(SECRET, 'task', 1_700_000_000)['X-Webhook-Signature'],
    );
  });

  it('parseCallback gives the event a listener gets, with receivedAt, and the receivers\' refusals', () => {
    const parsed = web.parseCallback(text, { receivedAt });
    expect(parsed).toEqual(express.parseCallback(new TextEncoder().encode(text), { receivedAt }));
    expect(parsed).toMatchObject({ ok: true, event: { kind: 'cover', stage: 'final', taskId: body.data.taskId, receivedAt } });
    if (!parsed.ok || parsed.event.kind !== 'cover' || parsed.event.stage !== 'final') throw new Error('expected a cover event');
    expect(parsed.event.images).toEqual(body.data.images);
    expect(parsed.event.key).toBe(`cover:${body.data.taskId}:final`);

    const lyrics = fixture('lyrics.error.sunoapi.json');
    expect(web.parseCallback(lyrics, { kind: 'lyrics' })).toMatchObject({ ok: true, event: { kind: 'lyrics', stage: 'error' } });
    // An authentic body that fails its family's schema is an event still: unrecognized, with the reason.
    expect(web.parseCallback({ code: 200, data: { taskId: 't', images: 'one' } })).toMatchObject({
      ok: true,
      event: { kind: 'unknown', taskId: 't', details: ['/data/images must be array'] },
    });
    expect(web.parseCallback('')).toMatchObject({ ok: false, error: 'invalid_json' });
    expect(web.parseCallback({ code: 200 })).toMatchObject({ ok: false, error: 'missing_task_id' });
    expect(web.parseCallback({ taskId: 't', hello: 1 })).toMatchObject({ ok: true, event: { kind: 'unknown', taskId: 't' } });
    expect(() => web.parseCallback(text, { receivedAt: Number.NaN })).toThrow(/receivedAt/);
  });
});
