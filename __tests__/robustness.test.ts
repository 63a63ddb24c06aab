/**
 * Races and failure paths found in review: each test describes a way a callback could have been lost, run twice or
 * left hanging, and proves it no longer can.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import express, { type Response } from 'express';
import { createApp, post, signed, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import { failOnUnhandledRejections } from './helpers/unhandled.js';
import { gate, settled } from './helpers/gate.js';
import { memoryStore } from '../lib/stores/memory.js';
import { sunoCallbacks } from '../lib/index.js';
import type { DedupeStore } from '../lib/store.js';

failOnUnhandledRejections();

/**
 * The memory store, whose claims stay unanswered until the test opens the gate, as a slow networked store's would;
 * `onClaim` runs as each claim arrives.
 */
function gatedStore(onClaim: () => void = () => undefined): DedupeStore & { claims: number; open(): void } {
  const inner = memoryStore();
  const answer = gate();
  const store = {
    claims: 0,
    open: answer.open,
    claim: async (key: string, ttlMs: number) => {
      store.claims += 1;
      onClaim();
      await answer.opened;
      return inner.claim(key, ttlMs) as boolean;
    },
    release: (key: string) => inner.release(key),
  };
  return store;
}

describe('accepting', () => {
  it('runs the listeners even when the answer cannot be written (something else answered first)', async () => {
    let current: Response | undefined;
    // A timeout middleware that answers while the claim is still out: our later writeHead throws ERR_HTTP_HEADERS_SENT.
    const store = gatedStore(() => {
      if (current !== undefined && !current.headersSent) current.status(503).json({ error: 'timeout' });
      store.open();
    });
    const { app, suno, of } = createApp({ store }, (outer) => {
      outer.use((_req, res, next) => {
        current = res;
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
    const store = gatedStore();
    const { app, suno } = createApp({ store });
    let ran = false;
    suno.on('cover-ready', () => void (ran = true));
    const delivery = post(app, fixture('cover.success.json')).then((response) => response);
    // The signature binding claims first, then the key: wait for any claim to be under way.
    await until(() => store.claims >= 1);
    const closing = suno.close();
    expect(await settled(closing)).toBe(false);
    store.open();
    await closing;
    expect(ran).toBe(true);
    expect((await delivery).body).toEqual({ status: 'received' });
  });

  it('maxPending bounds callbacks still being recorded, not only those whose listeners run', async () => {
    const store = gatedStore();
    const { app, suno } = createApp({ store, maxPending: 2 });
    const listeners = gate();
    suno.on('callback', () => listeners.opened);
    const bodies = Array.from({ length: 10 }, (_, index) => {
      const body = fixture('cover.success.json');
      body.data.taskId = `task-${index}`;
      return body;
    });
    let answered = 0;
    const answers = Promise.all(bodies.map((body) => post(app, body).then((answer) => ((answered += 1), answer))));
    // Eight answers while no claim has been answered yet: two callbacks still being recorded fill maxPending.
    await until(() => answered === 8);
    // Two callbacks, each binding its signature first: two plain claims apiece (the key's claim comes after).
    expect(store.claims).toBe(4);
    store.open();
    const all = await answers;
    expect(all.filter((answer) => answer.status === 200)).toHaveLength(2);
    expect(all.filter((answer) => answer.status === 503 && answer.body.error === 'overloaded')).toHaveLength(8);
    expect(suno.inFlight).toBe(2);
    listeners.open();
    await suno.close();
  });
});

describe('processBeforeAck', () => {
  it('a redelivery while the first delivery still runs gets 503 in_progress, not a duplicate that would end retries', async () => {
    const { app, suno } = createApp({ processBeforeAck: true });
    const firstRun = gate();
    let calls = 0;
    suno.on('wav-ready', async () => {
      calls += 1;
      if (calls === 1) {
        await firstRun.opened;
        throw new Error('first run fails');
      }
    });
    const body = fixture('wav.success.json');
    const first = post(app, body).then((response) => response);
    await until(() => calls === 1);
    const retry = await post(app, body);
    firstRun.open();
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
