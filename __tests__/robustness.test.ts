/**
 * Races and failure paths found in review: each test describes a way a callback could have been lost, run twice or
 * left hanging, and proves it no longer can.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import express, { type Response } from 'express';
import { createApp, post, signed, until } from './helpers/app.js';
import { durableMapStore, type OneTripMapStore } from './helpers/durable-map-store.js';
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

/** The durable store, noting when each saved record's lease runs out (the clock is what recovery waits on). */
function leaseTracking(inner: OneTripMapStore): { store: OneTripMapStore; leases: Map<string, number>; reclaimed: number } {
  const leases = new Map<string, number>();
  const tracked = {
    leases,
    reclaimed: 0,
    store: {
      ...inner,
      save: (key: string, record: string, leaseMs: number) => (leases.set(key, Date.now() + leaseMs), inner.save(key, record, leaseMs)),
      claimAndSave: (key: string, ttlMs: number, record: string, leaseMs: number) => {
        const first = inner.claimAndSave(key, ttlMs, record, leaseMs);
        if (first === true) leases.set(key, Date.now() + leaseMs);
        return first;
      },
      reclaim: async (leaseMs: number, limit: number) => {
        const taken = await inner.reclaim(leaseMs, limit);
        tracked.reclaimed += taken.length;
        return taken;
      },
    } as OneTripMapStore,
  };
  return tracked;
}

/** Resolves once every lease noted in `leases` has run out: the store hands those records to recovery from now on. */
function leasesRunOut(leases: Map<string, number>): Promise<void> {
  return until(() => leases.size > 0 && [...leases.values()].every((end) => Date.now() >= end));
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
    await expect(suno.close()).resolves.toBeUndefined();
    expect(suno.inFlight).toBe(0);
  });

  it('close() waits for a callback whose claim was still in progress when it was called', async () => {
    const store = gatedStore();
    const { app, suno } = createApp({ store });
    let ran = false;
    suno.on('cover-ready', () => void (ran = true));
    const delivery = post(app, fixture('cover.success.json')).then((response) => response);
    await until(() => store.claims === 1);
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
    expect(store.claims).toBe(2);
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

describe('recovery', () => {
  it('never starts a second run of a callback this process is still running when its lease runs out', async () => {
    const tracked = leaseTracking(durableMapStore());
    const { app, suno } = createApp({ store: tracked.store, leaseSeconds: 1 });
    const work = gate();
    let starts = 0;
    suno.on('video-ready', async () => {
      starts += 1;
      await work.opened;
    });
    expect((await post(app, fixture('video.success.sunoapi.json'))).body).toEqual({ status: 'received' });
    // The lease ran out while the listener still runs, and the periodic pass has been handed the record back.
    await leasesRunOut(tracked.leases);
    await until(() => tracked.reclaimed === 1);
    expect(await suno.recover()).toBe(0);
    work.open();
    await suno.close();
    expect(starts).toBe(1);
  }, 10_000);

  it('a record taken by a recovery pass runs before close() resolves, even if close() comes mid-pass', async () => {
    const { store, leases } = leaseTracking(durableMapStore());
    const doomed = createApp({ store, leaseSeconds: 1, recoverOnStart: false });
    doomed.suno.on('cover-ready', () => new Promise<void>(() => undefined));
    await post(doomed.app, fixture('cover.success.json'));
    await leasesRunOut(leases);
    // A store whose reclaim answers only when the test says, so that close() arrives between taking the record and
    // starting it.
    const reclaimAnswer = gate();
    let reclaiming = false;
    const slowReclaim = {
      ...store,
      reclaim: async (leaseMs: number, limit: number) => {
        reclaiming = true;
        await reclaimAnswer.opened;
        return store.reclaim(leaseMs, limit);
      },
    };
    const fresh = sunoCallbacks({ secret: 'unused', store: slowReclaim, leaseSeconds: 1, recoverOnStart: false, logger: doomed.logger });
    let ran = false;
    fresh.on('cover-ready', () => void (ran = true));
    const recovering = fresh.recover();
    await until(() => reclaiming);
    const closing = fresh.close();
    reclaimAnswer.open();
    await closing;
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
    const { store: counting } = countingStore();
    const { store, leases } = leaseTracking(counting);
    const doomed = createApp({ store, leaseSeconds: 1, recoverOnStart: false });
    // The listener never ends: the process "dies" before finish().
    doomed.suno.on('cover-ready', () => new Promise<void>(() => undefined));
    expect((await post(doomed.app, fixture('cover.success.json'))).body).toEqual({ status: 'received' });
    await leasesRunOut(leases);
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
    const lateAnswer = gate();
    const releases: string[] = [];
    // Only the first call answers late (when the test opens the gate), as one lost connection would.
    const slow: typeof store = {
      ...store,
      claimAndSave: async (key, ttlMs, record, leaseMs) => {
        if (!late) return store.claimAndSave(key, ttlMs, record, leaseMs);
        late = false;
        await lateAnswer.opened;
        return store.claimAndSave(key, ttlMs, record, leaseMs);
      },
      release: (key) => (releases.push(key), store.release(key)),
    };
    const { app, suno, of } = createApp({ store: slow, storeTimeoutMs: 30 });
    const body = fixture('cover.success.json');
    const first = await post(app, body);
    expect(first.status).toBe(503);
    expect(first.body.error).toBe('store_unavailable');
    expect(of('error')[0]).toMatchObject({ operation: 'claimAndSave' });
    // Once the late claim has landed and been undone, the sender's retry is processed, not answered "duplicate".
    lateAnswer.open();
    await until(() => releases.length === 1);
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
