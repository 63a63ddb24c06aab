import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import express, { type Express, type RequestHandler } from 'express';
import request, { type Response } from 'supertest';
import { sunoCallbacks } from '../lib/index.js';
import type { CallbackEvent } from '../lib/events.js';
import { SECRET, createApp, memoryLogger, post, signed, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import { failOnUnhandledRejections } from './helpers/unhandled.js';

type TestApp = ReturnType<typeof createApp>;

const { hostProcess, onUnhandled } = failOnUnhandledRejections();

const COVER = fixture('cover.success.json');
const COVER_TASK_ID = '21aee3c3c2a01fa5e030b3799fa4dd56';
const PARSERS: Array<[string, RequestHandler | undefined]> = [
  ['no body parser', undefined],
  ['express.json()', express.json()],
  ["express.raw({ type: '*/*' })", express.raw({ type: '*/*' })],
  ["express.text({ type: '*/*' })", express.text({ type: '*/*' })],
];

/** The setup hook of createApp() that mounts `parser`, if any, before the middleware. */
const mount = (parser: RequestHandler | undefined) => (server: Express) => {
  if (parser !== undefined) server.use(parser);
};

async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A signed POST of raw bytes or text, exactly as given. */
function sendRaw(app: Express, payload: string | Buffer, taskId = COVER_TASK_ID, contentType = 'application/json') {
  return (
    request(app)
      .post('/suno/callback')
      .set(signed({}, { taskId }))
      .set('Content-Type', contentType)
      // superagent would turn a Buffer sent as JSON into '{"type":"Buffer","data":[...]}': send the bytes as they are.
      .serialize((data: unknown) => data as string)
      .send(payload)
  );
}

async function expectRejected(app: TestApp, response: Response, status: number, error: string, message?: RegExp): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = response.body as { error: string; message: string };
  expect(body).toStrictEqual({ error, message: expect.any(String), ...('details' in body ? { details: expect.any(Array) } : {}) });
  if (message !== undefined) expect(body.message).toMatch(message);
  await settle();
  expect(app.events.map((entry) => entry.name)).toStrictEqual(['rejected']);
  expect(app.of('rejected')).toStrictEqual([{ status, error, message: body.message, receivedAt: expect.any(Date), hint: expect.any(String) }]);
}

async function expectAccepted(app: TestApp, response: Response, taskId = COVER_TASK_ID): Promise<CallbackEvent> {
  expect(response.status).toBe(200);
  expect(response.body).toStrictEqual({ status: 'received' });
  await until(() => app.of('callback').length === 1);
  const event = app.of('callback')[0] as CallbackEvent;
  expect(event.taskId).toBe(taskId);
  expect(app.of('rejected')).toHaveLength(0);
  return event;
}

/** Servers of the running test; closed after it even when an assertion failed, so jest can exit. */
const listening = new Set<Server>();

function listen(app: Express): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
    listening.add(server);
  });
}

function closeServer(server: Server): Promise<void> {
  listening.delete(server);
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

afterEach(async () => {
  await Promise.all([...listening].map(closeServer));
});

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Body bytes the client had written when the answer arrived. */
  sentBeforeAnswer: number;
}

/**
 * A POST through a bare node:http client, fed by `feed`, which learns when the answer has arrived so it can stop.
 * Errors on the client's side after the answer (the server closing a connection it no longer reads) are expected.
 */
function rawPost(
  port: number,
  headers: OutgoingHttpHeaders,
  feed: (req: ClientRequest, state: { answered: boolean; sent: number }) => void | Promise<void>,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const state = { answered: false, sent: 0 };
    const req = httpRequest({ host: '127.0.0.1', port, path: '/suno/callback', method: 'POST', headers, agent: false });
    req.on('error', (error) => {
      if (!state.answered) reject(error);
    });
    // A server that never answers fails the test instead of holding the connection (and jest) open.
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('response', (res) => {
      state.answered = true;
      const sentBeforeAnswer = state.sent;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), sentBeforeAnswer });
      });
    });
    Promise.resolve(feed(req, state)).catch(reject);
  });
}

/** A valid cover callback whose `extra` field makes it `depth` containers deep, counting the root. */
function nested(depth: number, open = '{"a":', close = '}'): string {
  const extra = `${open.repeat(depth - 2)}{}${close.repeat(depth - 2)}`;
  return `{"code":200,"msg":"ok","data":{"taskId":"deep","images":[]},"extra":${extra}}`;
}

describe('works whatever body parser ran before it', () => {
  it.each(PARSERS)('%s: a genuine callback is accepted with its body intact', async (_name, parser) => {
    const app = createApp({}, mount(parser));
    const event = await expectAccepted(app, await post(app.app, COVER));
    expect(event.body).toStrictEqual(COVER);
    expect(app.of('cover-ready')[0]?.images).toHaveLength(2);
    await app.suno.close();
  });

  it.each(PARSERS)('%s: a JSON array is still 400 invalid_payload', async (_name, parser) => {
    const app = createApp({}, mount(parser));
    await expectRejected(app, await sendRaw(app.app, '[{"taskId":"x"}]'), 400, 'invalid_payload', /JSON object/);
  });

  it.each(PARSERS)('%s: text/plain is still 415', async (_name, parser) => {
    const app = createApp({}, mount(parser));
    const response = await sendRaw(app.app, JSON.stringify(COVER), COVER_TASK_ID, 'text/plain');
    await expectRejected(app, response, 415, 'unsupported_media_type');
  });

  // express.json() answers malformed JSON itself (through Express's error handler): the middleware never sees it.
  it.each(PARSERS.filter(([name]) => name !== 'express.json()'))(
    '%s: malformed JSON is 400 invalid_json',
    async (_name, parser) => {
      const app = createApp({}, mount(parser));
      await expectRejected(app, await sendRaw(app.app, '{"code":200,'), 400, 'invalid_json', /not valid JSON/);
    },
  );

  it('express.json() mounted, but the request is not of its type (a +json media type): the stream is read', async () => {
    const app = createApp({}, mount(express.json()));
    const response = await request(app.app)
      .post('/suno/callback')
      .set(signed(COVER))
      .set('Content-Type', 'application/vnd.suno.callback+json')
      .send(JSON.stringify(COVER));
    const event = await expectAccepted(app, response);
    expect(event.body).toStrictEqual(COVER);
    await app.suno.close();
  });

  it('express.json() mounted, and the request has no Content-Type at all: the stream is read', async () => {
    const contentTypes: unknown[] = [];
    const app = createApp({}, (server) => {
      server.use((req, _res, next) => {
        contentTypes.push(req.headers['content-type']);
        next();
      });
      server.use(express.json());
    });
    const response = await request(app.app).post('/suno/callback').set(signed(COVER)).send(Buffer.from(JSON.stringify(COVER)));
    expect(contentTypes).toStrictEqual([undefined]);
    const event = await expectAccepted(app, response);
    expect(event.body).toStrictEqual(COVER);
    await app.suno.close();
  });

  it('Express 4 with express.json() and a request it does not match (it leaves req.body = {}): the stream is read', async () => {
    const express4 = createRequire(import.meta.url)('express4') as typeof express;
    const logger = memoryLogger();
    const suno = sunoCallbacks({ secret: SECRET, logger });
    const app = express4();
    app.use(express4.json());
    const leftByParser: unknown[] = [];
    app.use((req, _res, next) => {
      leftByParser.push(req.body);
      next();
    });
    app.use(suno);
    const events: CallbackEvent[] = [];
    suno.on('callback', (event) => void events.push(event));
    const response = await request(app)
      .post('/suno/callback')
      .set(signed(COVER))
      .set('Content-Type', 'application/cloudevents+json')
      .send(JSON.stringify(COVER));
    expect(response.status).toBe(200);
    expect(response.body).toStrictEqual({ status: 'received' });
    await until(() => events.length === 1);
    expect(events[0]?.body).toStrictEqual(COVER);
    expect(leftByParser).toStrictEqual([{}]);
    await suno.close();
  });

  it('a stream that a middleware before it paused (and left unread) is still read', async () => {
    const pause: RequestHandler = (req, _res, next) => {
      req.pause();
      next();
    };
    const app = createApp({}, mount(pause));
    const event = await expectAccepted(app, await post(app.app, COVER).timeout(2000));
    expect(event.body).toStrictEqual(COVER);
    await app.suno.close();
  });

  it('a stream that a middleware before it set to text (setEncoding) is still read whole', async () => {
    const decode: RequestHandler = (req, _res, next) => {
      req.setEncoding('utf8');
      next();
    };
    const app = createApp({}, mount(decode));
    // Large enough to arrive in several chunks, with multi-byte characters that may straddle two of them.
    const body = { ...COVER, msg: 'é🎵'.repeat(100_000) };
    const event = await expectAccepted(app, await post(app.app, body).timeout(2000));
    expect(event.message).toBe(body.msg);
    await app.suno.close();
  });

  it('a stream that a middleware before it read to the end and threw away: 400 invalid_json at once, never a hang', async () => {
    const drain: RequestHandler = (req, _res, next) => {
      req.on('data', () => undefined);
      req.on('end', () => next());
    };
    const app = createApp({}, mount(drain));
    // The timeout makes a hang (waiting on a stream that will never send 'end' again) fail the test.
    const response = await post(app.app, COVER).timeout(1000);
    await expectRejected(app, response, 400, 'invalid_json', /empty/);
  });
});

describe('413 over maxBodyBytes', () => {
  const LIMIT = 1024;
  const big = JSON.stringify({ ...COVER, padding: 'x'.repeat(4 * LIMIT) });

  it('a Content-Length over the limit: 413 body_too_large, with Connection: close', async () => {
    const app = createApp({ maxBodyBytes: LIMIT });
    const response = await sendRaw(app.app, big);
    await expectRejected(app, response, 413, 'body_too_large', new RegExp(`${LIMIT} bytes`));
    expect(response.headers.connection).toBe('close');
  });

  it('a Content-Length over the limit is answered before the body is sent', async () => {
    const app = createApp({ maxBodyBytes: LIMIT });
    const { server, port } = await listen(app.app);
    const declared = 10 * 1024 * 1024;
    const answer = await rawPost(port, { ...signed(COVER), 'Content-Type': 'application/json', 'Content-Length': declared }, (req) => {
      req.write('{"code":200,');
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toStrictEqual({ error: 'body_too_large', message: expect.any(String) });
    expect(answer.headers.connection).toBe('close');
    expect(app.of('rejected')).toStrictEqual([expect.objectContaining({ status: 413, error: 'body_too_large' })]);
    await closeServer(server);
  });

  it('a chunked body that grows past the limit: 413 as soon as it does, and the server keeps serving', async () => {
    const app = createApp({ maxBodyBytes: LIMIT });
    const { server, port } = await listen(app.app);
    const chunk = `{"padding":"${'y'.repeat(300)}`;
    const maxChunks = 200;
    const answer = await rawPost(port, { ...signed(COVER), 'Content-Type': 'application/json' }, async (req, state) => {
      for (let index = 0; index < maxChunks && !state.answered; index += 1) {
        req.write(chunk);
        state.sent += Buffer.byteLength(chunk);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (!state.answered) req.end();
    });
    expect(answer.headers['transfer-encoding']).toBeUndefined();
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toStrictEqual({ error: 'body_too_large', message: expect.any(String) });
    expect(answer.headers.connection).toBe('close');
    // Over the limit when answered, and answered long before the sender would have stopped.
    expect(answer.sentBeforeAnswer).toBeGreaterThan(LIMIT);
    expect(answer.sentBeforeAnswer).toBeLessThan(maxChunks * Buffer.byteLength(chunk));
    expect(app.of('rejected')).toStrictEqual([expect.objectContaining({ status: 413, error: 'body_too_large' })]);

    const next = await post(app.app, COVER);
    expect(next.status).toBe(200);
    await until(() => app.of('callback').length === 1);
    await app.suno.close();
    await closeServer(server);
  });

  it('a chunked body written in one go, far over the limit: the answer still arrives', async () => {
    const app = createApp({ maxBodyBytes: LIMIT });
    const { server, port } = await listen(app.app);
    const answer = await rawPost(port, { ...signed(COVER), 'Content-Type': 'application/json' }, (req) => {
      req.end(Buffer.alloc(2 * 1024 * 1024, 0x20));
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'body_too_large' });
    await closeServer(server);
  });

  it.each([
    ["express.raw({ type: '*/*', limit: '1mb' })", express.raw({ type: '*/*', limit: '1mb' })],
    ["express.text({ type: '*/*', limit: '1mb' })", express.text({ type: '*/*', limit: '1mb' })],
  ])('%s left a body over the limit: 413 all the same', async (_name, parser) => {
    const app = createApp({ maxBodyBytes: LIMIT }, mount(parser));
    await expectRejected(app, await sendRaw(app.app, big), 413, 'body_too_large');
  });

  it('express.json() with a larger limit parsed a body over maxBodyBytes: 413 all the same', async () => {
    const app = createApp({ maxBodyBytes: LIMIT }, mount(express.json({ limit: '1mb' })));
    await expectRejected(app, await sendRaw(app.app, big), 413, 'body_too_large');
  });

  it('a body exactly at the limit is accepted', async () => {
    const app = createApp({ maxBodyBytes: LIMIT });
    const base = JSON.stringify({ ...COVER, padding: '' });
    const exact = JSON.stringify({ ...COVER, padding: 'z'.repeat(LIMIT - Buffer.byteLength(base)) });
    expect(Buffer.byteLength(exact)).toBe(LIMIT);
    await expectAccepted(app, await sendRaw(app.app, exact));
    await app.suno.close();
  });
});

describe('a sender that goes away mid-body', () => {
  it('is reported as a 400 rejection, and the server keeps serving', async () => {
    let arrived = 0;
    const app = createApp({}, (server) =>
      server.use((_req, _res, next) => {
        arrived += 1;
        next();
      }),
    );
    const { server, port } = await listen(app.app);
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/suno/callback',
      method: 'POST',
      headers: { ...signed(COVER), 'Content-Type': 'application/json', 'Content-Length': 10_000 },
      agent: false,
    });
    const clientErrors: Error[] = [];
    req.on('error', (error) => clientErrors.push(error));
    req.write('{"code":200,"data":');
    // Gone only once the middleware is waiting on the rest of the body.
    await until(() => arrived === 1);
    req.destroy();
    await until(() => app.of('rejected').length === 1);
    expect(app.of('rejected')[0]).toMatchObject({ status: 400, error: 'invalid_json' });
    expect(app.of('callback')).toHaveLength(0);
    expect(clientErrors.every((error) => /socket hang up|ECONNRESET|aborted/.test(error.message))).toBe(true);

    const next = await post(app.app, COVER);
    expect(next.status).toBe(200);
    await until(() => app.of('callback').length === 1);
    await app.suno.close();
    await closeServer(server);
  });
});

describe('415 for anything but UTF-8 JSON', () => {
  it.each([
    ['text/plain'],
    ['application/x-www-form-urlencoded'],
    ['multipart/form-data; boundary=x'],
    ['application/json; charset=iso-8859-1'],
    ['application/json; charset=utf-16le'],
    ['application/jsonp'],
  ])('Content-Type: %s', async (contentType) => {
    const app = createApp();
    const response = await sendRaw(app.app, JSON.stringify(COVER), COVER_TASK_ID, contentType);
    await expectRejected(app, response, 415, 'unsupported_media_type');
  });

  it('Content-Encoding: gzip (even of a valid body)', async () => {
    const app = createApp();
    const response = await request(app.app)
      .post('/suno/callback')
      .set(signed(COVER))
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize((data: unknown) => data as string)
      .send(gzipSync(JSON.stringify(COVER)));
    await expectRejected(app, response, 415, 'unsupported_media_type', /[Cc]ompressed/);
  });

  it.each([['application/json; charset=utf-8'], ['application/json; charset="UTF-8"'], ['application/json;charset=utf8']])(
    'Content-Type: %s is fine',
    async (contentType) => {
      const app = createApp();
      await expectAccepted(app, await sendRaw(app.app, JSON.stringify(COVER), COVER_TASK_ID, contentType));
      await app.suno.close();
    },
  );
});

describe('400 for a body that is not a callback', () => {
  it('malformed JSON: invalid_json', async () => {
    const app = createApp();
    await expectRejected(app, await sendRaw(app.app, '{"code":200,"data":{'), 400, 'invalid_json', /not valid JSON/);
  });

  it('an empty body: invalid_json', async () => {
    const app = createApp();
    await expectRejected(app, await sendRaw(app.app, ''), 400, 'invalid_json', /empty/);
  });

  it('a body of whitespace: invalid_json', async () => {
    const app = createApp();
    await expectRejected(app, await sendRaw(app.app, ' \n\t '), 400, 'invalid_json', /empty/);
  });

  it.each([['an array', '[]'], ['a string', '"hello"'], ['a number', '42'], ['null', 'null'], ['true', 'true']])(
    'JSON that is %s: invalid_payload',
    async (_name, payload) => {
      const app = createApp();
      await expectRejected(app, await sendRaw(app.app, payload), 400, 'invalid_payload', /JSON object/);
    },
  );

  it.each([
    ['10,000 nested objects', nested(10_000)],
    ['10,000 nested arrays', nested(10_000, '[', ']').replace('[{}]', '[[]]')],
    ['40 nested objects', nested(40)],
    ['33 nested objects, one past the bound', nested(33)],
  ])('%s: invalid_payload', async (_name, payload) => {
    const app = createApp();
    const response = await sendRaw(app.app, payload, 'deep');
    await expectRejected(app, response, 400, 'invalid_payload', /nested deeper/);
  });

  it('10,000 nested objects through express.json(): invalid_payload as well', async () => {
    const app = createApp({}, mount(express.json()));
    await expectRejected(app, await sendRaw(app.app, nested(10_000), 'deep'), 400, 'invalid_payload', /nested deeper/);
  });

  it('32 nested objects, the bound itself, are accepted', async () => {
    const app = createApp();
    await expectAccepted(app, await sendRaw(app.app, nested(32), 'deep'), 'deep');
    await app.suno.close();
  });

  it('an object with no task id anywhere: missing_task_id', async () => {
    const app = createApp();
    const body = { code: 200, msg: 'success', data: { images: ['https://example.com/a.png'], task: 'not-an-id' } };
    await expectRejected(app, await sendRaw(app.app, JSON.stringify(body)), 400, 'missing_task_id', /task id/);
  });

  it('an empty object: missing_task_id', async () => {
    const app = createApp();
    await expectRejected(app, await sendRaw(app.app, '{}'), 400, 'missing_task_id');
  });
});

describe('hostile but well-formed bodies', () => {
  // Written out by hand: in an object literal `__proto__` would set the prototype instead of making a key.
  const hostile =
    '{"__proto__":{"polluted":"root","isAdmin":true},"code":200,"msg":"success",' +
    '"data":{"__proto__":{"polluted":"data"},"taskId":"proto-task","images":["https://example.com/a.png"]},' +
    '"constructor":{"prototype":{"polluted":"constructor"}}}';

  afterEach(() => {
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });

  it.each(PARSERS)('%s: __proto__ and constructor keys pollute nothing and stay plain data in the event', async (_name, parser) => {
    const app = createApp({}, mount(parser));
    const event = await expectAccepted(app, await sendRaw(app.app, hostile, 'proto-task'), 'proto-task');
    const body = event.body as Record<string, unknown>;
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.hasOwn(body, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(body, '__proto__')?.value).toStrictEqual({ polluted: 'root', isAdmin: true });
    expect(Object.getOwnPropertyDescriptor(body, 'constructor')?.value).toStrictEqual({ prototype: { polluted: 'constructor' } });
    expect(body.isAdmin).toBeUndefined();
    const data = body.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(data, '__proto__')?.value).toStrictEqual({ polluted: 'data' });
    expect(app.of('cover-ready')[0]?.images).toStrictEqual(['https://example.com/a.png']);
    await app.suno.close();
  });

  it('stem names taken from keys cannot reach the prototype', async () => {
    const body =
      '{"code":200,"msg":"ok","data":{"task_id":"stems-proto","vocal_removal_info":' +
      '{"__proto__":"https://x/a","__proto___url":"https://x/b","constructor_url":"https://x/c","vocal_url":"https://x/v"}}}';
    const app = createApp();
    await expectAccepted(app, await sendRaw(app.app, body, 'stems-proto'), 'stems-proto');
    const stems = app.of('stems-ready')[0]?.stems as Record<string, unknown>;
    expect(Object.getPrototypeOf(stems)).toBe(Object.prototype);
    expect(stems.vocal).toBe('https://x/v');
    await app.suno.close();
  });

  it('a numeric code sent as a string ("200") is accepted as code 200', async () => {
    const app = createApp();
    const event = await expectAccepted(app, await sendRaw(app.app, JSON.stringify({ ...COVER, code: '200' })));
    expect(event.code).toBe(200);
    expect(event.stage).toBe('final');
    expect(app.of('cover-ready')).toHaveLength(1);
    await app.suno.close();
  });

  it('a 4 MiB string field inside the default 5 MiB limit is accepted intact', async () => {
    const app = createApp();
    const huge = 'h'.repeat(4 * 1024 * 1024);
    const event = await expectAccepted(app, await sendRaw(app.app, JSON.stringify({ ...COVER, msg: huge })));
    expect(event.message).toHaveLength(huge.length);
    await app.suno.close();
  });

  it('invalid UTF-8 inside a string: accepted, the bad bytes become U+FFFD', async () => {
    const app = createApp();
    const payload = Buffer.concat([
      Buffer.from('{"code":200,"msg":"bad '),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(' bytes","data":{"taskId":"utf8-task","images":[]}}'),
    ]);
    const event = await expectAccepted(app, await sendRaw(app.app, payload, 'utf8-task'), 'utf8-task');
    expect(event.message).toBe('bad \uFFFD\uFFFD\uFFFD bytes');
    await app.suno.close();
  });

  it('invalid UTF-8 through express.raw(): the same', async () => {
    const app = createApp({}, mount(express.raw({ type: '*/*' })));
    const payload = Buffer.concat([
      Buffer.from('{"code":200,"msg":"'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('","data":{"taskId":"utf8-raw","images":[]}}'),
    ]);
    const event = await expectAccepted(app, await sendRaw(app.app, payload, 'utf8-raw'), 'utf8-raw');
    expect(event.message).toContain('\uFFFD');
    await app.suno.close();
  });

  it('invalid UTF-8 outside any string: 400 invalid_json', async () => {
    const app = createApp();
    const payload = Buffer.concat([Buffer.from('{"code":200,'), Buffer.from([0xff, 0xff]), Buffer.from('}')]);
    await expectRejected(app, await sendRaw(app.app, payload), 400, 'invalid_json');
  });

  it('the unhandled-rejection watch is installed on the process that would see one', () => {
    expect(hostProcess.listeners('unhandledRejection')).toContain(onUnhandled);
    // Jest's own listener sits beside it on that process: the watch is on the real one, not on the test's copy.
    expect(hostProcess.listenerCount('unhandledRejection')).toBeGreaterThan(1);
  });
});
