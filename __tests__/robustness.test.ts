/**
 * Races and failure paths found in review: each test describes a way a callback could have been lost, run twice or
 * left hanging, and proves it no longer can.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import { createApp, post, signed, until } from './helpers/app.js';
import { durableMapStore } from './helpers/durable-map-store.js';
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
    await expect(suno.close()).resolves.toBeUndefined();
    expect(suno.inFlight).toBe(0);
  });

  it('close() waits for a callback whose claim was still in progress when it was called', async () => {
    const store = slowStore(50);
    const { app, suno } = createApp({ store });
    let ran = false;
    suno.on('cover-ready', () => void (ran = true));
    const delivery = post(app, fixture('cover.success.json')).then((response) => response);
    await until(() => store.claims === 1);
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

describe('recovery', () => {
  it('never starts a second run of a callback this process is still running when its lease runs out', async () => {
    const store = durableMapStore();
    const { app, suno } = createApp({ store, leaseSeconds: 1 });
    let starts = 0;
    suno.on('video-ready', async () => {
      starts += 1;
      await sleep(2500);
    });
    expect((await post(app, fixture('video.success.sunoapi.json'))).body).toEqual({ status: 'received' });
    await sleep(1200);
    // The periodic pass has run by now, and a manual one finds the record due as well.
    expect(await suno.recover()).toBe(0);
    await suno.close();
    expect(starts).toBe(1);
  }, 10_000);

  it('a record taken by a recovery pass runs before close() resolves, even if close() comes mid-pass', async () => {
    const store = durableMapStore();
    const doomed = createApp({ store, leaseSeconds: 1, recoverOnStart: false });
    doomed.suno.on('cover-ready', () => new Promise<void>(() => undefined));
    await post(doomed.app, fixture('cover.success.json'));
    await sleep(1100);
    // A store whose reclaim answers late, so that close() arrives between taking the record and starting it.
    const slowReclaim = { ...store, reclaim: async (leaseMs: number, limit: number) => (await sleep(50), store.reclaim(leaseMs, limit)) };
    const fresh = sunoCallbacks({ secret: 'unused', store: slowReclaim, leaseSeconds: 1, recoverOnStart: false, logger: doomed.logger });
    let ran = false;
    fresh.on('cover-ready', () => void (ran = true));
    const recovering = fresh.recover();
    await sleep(10);
    await fresh.close();
    expect(ran).toBe(true);
    expect(await recovering).toBe(1);
  });

  it('refuses a lease of zero, which would hand every live callback to recovery', () => {
    expect(() => sunoCallbacks({ secret: 's', leaseSeconds: 0 })).toThrow(/`leaseSeconds` must be a number of at least 1/);
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

describe('claimAndSave(): one store round trip before the answer', () => {
  /** The in-memory durable store, counting the calls the pipeline makes before it answers. */
  function countingStore() {
    const inner = durableMapStore();
    const calls = { claim: 0, save: 0, claimAndSave: 0 };
    const store: typeof inner = {
      ...inner,
      claim: (key, ttlMs) => ((calls.claim += 1), inner.claim(key, ttlMs)),
      save: (key, record, leaseMs) => ((calls.save += 1), inner.save(key, record, leaseMs)),
      claimAndSave: (key, ttlMs, record, leaseMs) => ((calls.claimAndSave += 1), inner.claimAndSave(key, ttlMs, record, leaseMs)),
    };
    return { store, calls };
  }

  it('calls claimAndSave() once instead of claim() and save(), and a redelivery is still a duplicate', async () => {
    const { store, calls } = countingStore();
    const { app, suno, of } = createApp({ store });
    const body = fixture('cover.success.json');
    expect((await post(app, body)).body).toEqual({ status: 'received' });
    expect(calls).toEqual({ claim: 0, save: 0, claimAndSave: 1 });
    await until(() => of('cover-ready').length === 1);
    expect((await post(app, body)).body).toEqual({ status: 'duplicate' });
    expect(calls).toEqual({ claim: 0, save: 0, claimAndSave: 2 });
    expect(of('cover-ready')).toHaveLength(1);
    await suno.close();
  });

  it('saves a record that recovery dispatches after a crash', async () => {
    const { store } = countingStore();
    const doomed = createApp({ store, leaseSeconds: 1, recoverOnStart: false });
    // The listener never ends: the process "dies" before finish().
    doomed.suno.on('cover-ready', () => new Promise<void>(() => undefined));
    expect((await post(doomed.app, fixture('cover.success.json'))).body).toEqual({ status: 'received' });
    await sleep(1100);
    const fresh = sunoCallbacks({ secret: 'unused', store, leaseSeconds: 1, recoverOnStart: false, logger: doomed.logger });
    const recovered: string[] = [];
    fresh.on('cover-ready', (event) => void recovered.push(event.taskId));
    expect(await fresh.recover()).toBe(1);
    expect(recovered).toEqual([fixture('cover.success.json').data.taskId]);
    await fresh.close();
  });

  it('releases the key when a claimAndSave() that timed out answers true later', async () => {
    const { store } = countingStore();
    let late = true;
    // Only the first call answers late, as one lost connection would.
    const slow: typeof store = {
      ...store,
      claimAndSave: (key, ttlMs, record, leaseMs) => {
        if (!late) return store.claimAndSave(key, ttlMs, record, leaseMs);
        late = false;
        return new Promise<boolean>((resolve) => setTimeout(() => resolve(store.claimAndSave(key, ttlMs, record, leaseMs) as boolean), 150));
      },
    };
    const { app, suno, of } = createApp({ store: slow, storeTimeoutMs: 30 });
    const body = fixture('cover.success.json');
    const first = await post(app, body);
    expect(first.status).toBe(503);
    expect(first.body.error).toBe('store_unavailable');
    expect(of('error')[0]).toMatchObject({ operation: 'claimAndSave' });
    // Once the late claim has landed and been undone, the sender's retry is processed, not answered "duplicate".
    await sleep(250);
    expect((await post(app, body)).body).toEqual({ status: 'received' });
    await until(() => of('cover-ready').length === 1);
    await suno.close();
  });

  it('is checked in the factory: a function, and only on a durable store', () => {
    expect(() => sunoCallbacks({ secret: 's', store: { ...durableMapStore(), claimAndSave: 'yes' } as unknown as DedupeStore })).toThrow(
      /`store\.claimAndSave` must be a function when present/,
    );
    const plain = { claim: () => true, release: () => undefined, claimAndSave: () => true };
    expect(() => sunoCallbacks({ secret: 's', store: plain })).toThrow(/claimAndSave\(\).*save\(\), finish\(\) and reclaim\(\)/);
  });
});
