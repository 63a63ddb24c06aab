/**
 * Races and failure paths found in review: each test describes a way a callback could have been lost, run twice or
 * left hanging, and proves it no longer can.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import { createApp, post, signed, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import { failOnUnhandledRejections } from './helpers/unhandled.js';
import { memoryStore } from '../lib/stores/memory.js';
import { sunoCallbacks } from '../lib/index.js';
import type { DedupeStore } from '../lib/store.js';

failOnUnhandledRejections();

/** The memory store, answering every claim after `delayMs` as a networked store would. */
function slowStore(delayMs: number): DedupeStore & { claims: number } {
  const inner = memoryStore();
  const store = {
    claims: 0,
    claim: (key: string, ttlMs: number) => {
      store.claims += 1;
      return new Promise<boolean>((resolve) => setTimeout(() => resolve(inner.claim(key, ttlMs) as boolean), delayMs));
    },
    release: (key: string) => inner.release(key),
  };
  return store;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('accepting', () => {
  it('runs the listeners even when the answer cannot be written (something else answered first)', async () => {
    const { app, suno, of } = createApp({ store: slowStore(30) }, (outer) => {
      // A timeout middleware that answers before the store does: our later writeHead throws ERR_HTTP_HEADERS_SENT.
      outer.use((_req, res, next) => {
        setTimeout(() => {
          if (!res.headersSent) res.status(503).json({ error: 'timeout' });
        }, 5);
        next();
      });
    });
    const response = await post(app, fixture('cover.success.json'));
    expect(response.status).toBe(503);
    await until(() => of('cover-ready').length === 1);
    await expect(suno.close()).resolves.toEqual({ drained: true, unfinished: [] });
    expect(suno.inFlight).toBe(0);
  });

  it('close() waits for a callback whose claim was still in progress when it was called', async () => {
    const store = slowStore(50);
    const { app, suno } = createApp({ store });
    let ran = false;
    suno.on('cover-ready', () => void (ran = true));
    const delivery = post(app, fixture('cover.success.json')).then((response) => response);
    // The signature binding claims first, then the key: wait for any claim to be under way.
    await until(() => store.claims >= 1);
    await suno.close();
    expect(ran).toBe(true);
    expect((await delivery).body).toEqual({ status: 'received' });
  });

  it('maxPending bounds callbacks still being recorded, not only those whose listeners run', async () => {
    const { app, suno } = createApp({ store: slowStore(30), maxPending: 2 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    suno.on('callback', () => gate);
    const bodies = Array.from({ length: 10 }, (_, index) => {
      const body = fixture('cover.success.json');
      body.data.taskId = `task-${index}`;
      return body;
    });
    const answers = await Promise.all(bodies.map((body) => post(app, body)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(2);
    expect(answers.filter((answer) => answer.status === 503 && answer.body.error === 'overloaded')).toHaveLength(8);
    expect(suno.inFlight).toBe(2);
    release();
    await suno.close();
  });
});

describe('processBeforeAck', () => {
  it('a redelivery while the first delivery still runs gets 503 in_progress, not a duplicate that would end retries', async () => {
    const { app, suno } = createApp({ processBeforeAck: true });
    let calls = 0;
    suno.on('wav-ready', async () => {
      calls += 1;
      await sleep(100);
      if (calls === 1) throw new Error('first run fails');
    });
    const body = fixture('wav.success.json');
    const first = post(app, body).then((response) => response);
    await sleep(20);
    const retry = await post(app, body);
    expect(retry.status).toBe(503);
    expect(retry.body).toMatchObject({ error: 'in_progress' });
    expect(retry.headers['retry-after']).toBe('5');
    expect((await first).status).toBe(500);
    // The key was released with the failure: the provider's next retry is processed.
    expect((await post(app, body)).body).toEqual({ status: 'received' });
    expect(calls).toBe(2);
    await suno.close();
  });
});

describe('bodies read by a parser first', () => {
  it('maxBodyBytes holds for a chunked body that a parser with a larger limit already parsed', async () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const suno = sunoCallbacks({ secret: 'chunked-secret', maxBodyBytes: 1000, logger });
    const server = express().use(express.json({ limit: '10mb' })).use(suno).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const body = fixture('cover.success.json');
    body.data.padding = 'x'.repeat(5000);
    // No Content-Length: node sends the body chunked, so only its parsed form tells its size.
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = httpRequest(
        { port, host: '127.0.0.1', method: 'POST', path: '/suno/callback', headers: { 'Content-Type': 'application/json', ...signed(body, { secret: 'chunked-secret' }) } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      outgoing.on('error', reject);
      outgoing.write(JSON.stringify(body).slice(0, 100));
      outgoing.end(JSON.stringify(body).slice(100));
    });
    expect(status).toBe(413);
    server.close();
    await suno.close();
  });
});
