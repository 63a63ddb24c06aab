import { describe, expect, it } from '@jest/globals';
import type { Response } from 'express';
import request from 'supertest';
import { createApp, post, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import { ListenerError } from '../lib/errors.js';
import { failOnUnhandledRejections } from './helpers/unhandled.js';
import { gate, settled } from './helpers/gate.js';

failOnUnhandledRejections();

describe('acknowledge first', () => {
  it('answers at once while a listener is still running, and the listener still completes', async () => {
    const { app, suno } = createApp();
    const work = gate();
    let finished = false;
    let started = false;
    suno.on('cover-ready', async () => {
      started = true;
      await work.opened;
      finished = true;
    });
    // The listener cannot end before work.open(): the answer arriving at all proves it did not wait for it.
    const response = await post(app, fixture('cover.success.json')).timeout(1000);
    expect(response.body).toEqual({ status: 'received' });
    expect(finished).toBe(false);
    await until(() => started);
    expect(suno.inFlight).toBe(1);
    const closing = suno.close();
    expect(await settled(closing)).toBe(false);
    work.open();
    await closing;
    expect(finished).toBe(true);
  });

  it('beyond maxPending, new callbacks get 503 overloaded with Retry-After, and nothing is claimed', async () => {
    const { app, suno } = createApp({ maxPending: 2 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    suno.on('callback', () => gate);
    const first = fixture('cover.success.json');
    const second = fixture('video.success.sunoapi.json');
    const third = fixture('wav.success.json');
    expect((await post(app, first)).body).toEqual({ status: 'received' });
    expect((await post(app, second)).body).toEqual({ status: 'received' });
    const refused = await post(app, third);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toMatchObject({ error: 'overloaded' });
    release();
    await until(() => suno.inFlight === 0);
    // The refused callback was not recorded as seen: its redelivery is processed.
    expect((await post(app, third)).body).toEqual({ status: 'received' });
    await suno.close();
  });
});

describe('dispatch', () => {
  it('retries a listener per the retry option, and one failure does not stop the other listeners', async () => {
    const { app, suno, of } = createApp({ retry: { retries: 2, minTimeout: 1, factor: 1 } });
    let flaky = 0;
    let steady = 0;
    suno.on('cover-ready', () => {
      flaky += 1;
      if (flaky < 3) throw new Error(`attempt ${flaky} failed`);
    });
    suno.on('cover-ready', () => void (steady += 1));
    await post(app, fixture('cover.success.json'));
    await suno.close();
    expect(flaky).toBe(3);
    expect(steady).toBe(1);
    expect(of('error')).toHaveLength(0);
  });

  it('a listener that fails every attempt yields one error event with the event, the attempts and the cause', async () => {
    const { app, suno, of } = createApp({ retry: { retries: 2, minTimeout: 1, factor: 1 } });
    const cause = new Error('S3 unavailable');
    suno.on('video-ready', async () => {
      throw cause;
    });
    let others = 0;
    suno.on('callback', () => void (others += 1));
    await post(app, fixture('video.success.sunoapi.json'));
    await suno.close();
    const errors = of('error');
    expect(errors).toHaveLength(1);
    const error = errors[0];
    expect(error).toBeInstanceOf(ListenerError);
    if (!(error instanceof ListenerError)) return;
    expect(error.code).toBe('ERR_SUNO_LISTENER');
    expect(error.attempts).toBe(3);
    expect(error.cause).toBe(cause);
    expect(error.listenerFor).toBe('video-ready');
    expect(error.event).toMatchObject({ kind: 'video', key: 'video:taskId_774b9aa0422f:final' });
    expect(others).toBe(1);
  });

  it('the callback catch-all sees every accepted event, failures included', async () => {
    const { app, suno, of } = createApp();
    const files = ['cover.success.json', 'wav.error.json', 'lyrics.complete.kie.json', 'midi.success.kie.json'];
    for (const file of files) await post(app, fixture(file));
    await suno.close();
    expect(of('callback').map((event) => `${event.kind}/${event.stage}`)).toEqual([
      'cover/final',
      'wav/error',
      'lyrics/complete',
      'midi/final',
    ]);
    expect(of('failure')).toHaveLength(1);
  });

  it('off() removes a listener and on() chains', async () => {
    const { app, suno } = createApp();
    let calls = 0;
    const listener = (): void => void (calls += 1);
    expect(suno.on('cover-ready', listener).off('cover-ready', listener)).toBe(suno);
    await post(app, fixture('cover.success.json'));
    await suno.close();
    expect(calls).toBe(0);
  });

  it('an error thrown by a notification listener is logged, never crashes', async () => {
    const { app, suno, logger } = createApp();
    suno.on('rejected', () => {
      throw new Error('listener bug');
    });
    suno.on('duplicate', async () => {
      throw new Error('async listener bug');
    });
    const response = await request(app).post('/suno/callback').set('Content-Type', 'application/json').send('{');
    expect(response.status).toBe(401);
    await post(app, fixture('cover.success.json'));
    await post(app, fixture('cover.success.json'));
    await suno.close();
    await until(() => logger.lines.filter(([level]) => level === 'error').length === 2);
    expect(logger.lines.map(([, message]) => message).join('\n')).toMatch(/"rejected" listener threw: listener bug/);
  });
});

describe('processBeforeAck', () => {
  it('answers 200 only after the listeners succeed', async () => {
    let current: Response | undefined;
    const { app, suno } = createApp({ processBeforeAck: true }, (outer) =>
      outer.use((_req, res, next) => {
        current = res;
        next();
      }),
    );
    const work = gate();
    let started = false;
    let done = false;
    const headersSentWhileRunning: boolean[] = [];
    suno.on('cover-ready', async () => {
      started = true;
      headersSentWhileRunning.push(current?.headersSent ?? true);
      await work.opened;
      headersSentWhileRunning.push(current?.headersSent ?? true);
      done = true;
    });
    let answered = false;
    const response = post(app, fixture('cover.success.json')).then((result) => {
      answered = true;
      return result;
    });
    await until(() => started);
    expect(answered).toBe(false);
    work.open();
    expect((await response).body).toEqual({ status: 'received' });
    expect(done).toBe(true);
    // Not a header was written while the listener ran, before or after its await.
    expect(headersSentWhileRunning).toEqual([false, false]);
    await suno.close();
  });

  it('answers 500 handler_failed and releases the key when a listener fails, so the redelivery runs again', async () => {
    const { app, suno } = createApp({ processBeforeAck: true });
    let attempts = 0;
    suno.on('wav-ready', () => {
      attempts += 1;
      if (attempts === 1) throw new Error('first delivery fails');
    });
    const body = fixture('wav.success.json');
    const failed = await post(app, body);
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ error: 'handler_failed' });
    const retried = await post(app, body);
    expect(retried.body).toEqual({ status: 'received' });
    expect(attempts).toBe(2);
    await suno.close();
  });
});

describe('close()', () => {
  it('answers new callbacks with 503 shutting_down and resolves when in-flight listeners finish', async () => {
    const { app, suno } = createApp();
    const work = gate();
    let finished = false;
    suno.on('cover-ready', async () => {
      await work.opened;
      finished = true;
    });
    await post(app, fixture('cover.success.json'));
    const closing = suno.close();
    const refused = await post(app, fixture('video.success.sunoapi.json'));
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'shutting_down' });
    expect(refused.headers['retry-after']).toBe('5');
    // A whole HTTP round trip later, close() still waits for the listener.
    expect(await settled(closing)).toBe(false);
    work.open();
    await closing;
    expect(finished).toBe(true);
    await expect(suno.close()).resolves.toEqual({ drained: true, unfinished: [] });
  });
});
