/**
 * Strangers must not make the server buffer or wait. With `secret` set, a request without usable signature headers
 * is answered 401 before its body is read; a body that drips gets 408 after `bodyTimeoutMs`; bodies still
 * unauthenticated share one budget of bytes (503 `overloaded` past it); and an early answer (413 included) reaches
 * a sender that is still writing, rather than a connection reset.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import express from 'express';
import { once } from 'node:events';
import { request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { sunoCallbacks, type SunoCallbacksOptions } from '../lib/index.js';
import { SECRET, memoryLogger, signed } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';

let servers: Server[] = [];
let sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  servers = [];
  sockets = [];
});

async function listen(options: SunoCallbacksOptions = {}) {
  const suno = sunoCallbacks({ secret: SECRET, logger: memoryLogger(), ...options });
  const rejected: string[] = [];
  suno.on('rejected', (event) => void rejected.push(event.error));
  const server = express().use(suno).listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return { suno, rejected, port: (server.address() as AddressInfo).port };
}

/** Opens a raw connection and sends the request head (and `start` of the body); the rest is the test's to send. */
async function openRequest(port: number, headers: Record<string, string>, start = ''): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const head = Object.entries({ Host: 'localhost', 'Content-Type': 'application/json', ...headers })
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  socket.write(`POST /suno/callback HTTP/1.1\r\n${head}\r\n\r\n${start}`);
  const answer = new Promise<string>((resolve) => {
    const check = (): void => {
      if (/\r\n\r\n[\s\S]*\}/.test(received)) resolve(received);
    };
    socket.on('data', check);
    socket.on('close', () => resolve(received));
  });
  return { socket, answer };
}

const statusOf = (raw: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

describe('headers before the body', () => {
  it.each([
    ['no signature headers', {}, 'missing_signature'],
    ['a timestamp that is not a number', { 'X-Webhook-Timestamp': 'soon', 'X-Webhook-Signature': `${'x'.repeat(43)}=` }, 'stale_timestamp'],
    ['a stale timestamp', { 'X-Webhook-Timestamp': '1000000000', 'X-Webhook-Signature': `${'x'.repeat(43)}=` }, 'stale_timestamp'],
    ['a signature that is no SHA-256 digest', { 'X-Webhook-Timestamp': String(Math.floor(Date.now() / 1000)), 'X-Webhook-Signature': 'abc' }, 'invalid_signature'],
  ])('%s: 401 while the 5 MiB body has not been sent', async (_name, headers, error) => {
    const { port, rejected } = await listen();
    const { answer } = await openRequest(port, { ...headers, 'Content-Length': String(5 * 1024 * 1024) }, '{"data":');
    const raw = await answer;
    expect(statusOf(raw)).toBe(401);
    expect(raw).toContain(`"error":"${error}"`);
    expect(rejected).toEqual([error]);
  });
});

describe('bodyTimeoutMs', () => {
  it('answers 408 body_timeout to a body that drips, and closes the connection', async () => {
    const { port, rejected } = await listen({ bodyTimeoutMs: 300 });
    const body = JSON.stringify(fixture('cover.success.json'));
    const { socket, answer } = await openRequest(port, { ...signed(JSON.parse(body)), 'Content-Length': String(body.length) }, body.slice(0, 10));
    // One byte now and then: the body never completes within the limit.
    const drip = setInterval(() => socket.writable && socket.write(' '), 50);
    try {
      const raw = await answer;
      expect(statusOf(raw)).toBe(408);
      expect(raw).toContain('"error":"body_timeout"');
      expect(raw.toLowerCase()).toContain('connection: close');
      await once(socket, 'close');
      expect(rejected).toEqual(['body_timeout']);
    } finally {
      clearInterval(drip);
    }
  });
});

describe('maxUnverifiedBytes', () => {
  it('bounds the bytes held by unauthenticated bodies: past it, 503 overloaded with Retry-After', async () => {
    const { port, rejected } = await listen({ maxBodyBytes: 10_000, maxUnverifiedBytes: 25_000 });
    const headers = { ...signed({ data: { taskId: 'bogus' } }), 'Content-Length': '10000' };
    // Two half-sent bodies hold 20,000 bytes of the budget; a third would pass 25,000.
    await openRequest(port, headers, '{"data":');
    await openRequest(port, headers, '{"data":');
    const third = await openRequest(port, headers, '{"data":');
    const raw = await third.answer;
    expect(statusOf(raw)).toBe(503);
    expect(raw).toContain('"error":"overloaded"');
    expect(raw).toMatch(/retry-after: 5/i);
    expect(rejected).toEqual(['overloaded']);
  });

  it('gives the bytes back once a body is answered', async () => {
    const { port } = await listen({ maxBodyBytes: 10_000, maxUnverifiedBytes: 10_000 });
    for (let index = 0; index < 3; index += 1) {
      const body = fixture('cover.success.json');
      body.data.taskId = `budget-${index}`;
      const text = JSON.stringify(body);
      const { answer } = await openRequest(port, { ...signed(body), 'Content-Length': String(text.length) }, text);
      expect(statusOf(await answer)).toBe(200);
    }
  });
});

describe('413 reaches the sender', () => {
  it('50 senders of an over-long body, each still writing: every one reads the 413', async () => {
    const { port } = await listen({ maxBodyBytes: 64 * 1024 });
    const body = Buffer.alloc(6 * 1024 * 1024, 0x20);
    const headers = { ...signed({ data: { taskId: 'large' } }), 'Content-Type': 'application/json', 'Content-Length': String(body.length) };
    const outcomes = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<string>((resolve) => {
            const outgoing = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/suno/callback', headers }, (response) => {
              response.resume();
              resolve(String(response.statusCode));
            });
            outgoing.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
            outgoing.end(body);
          }),
      ),
    );
    const tally = outcomes.reduce<Record<string, number>>((counts, outcome) => ({ ...counts, [outcome]: (counts[outcome] ?? 0) + 1 }), {});
    expect(tally).toEqual({ 413: 50 });
  }, 30_000);
});
