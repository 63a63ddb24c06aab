/**
 * Listeners that never end. A listener whose promise never settles used to keep `inFlight` at 1 and `close()`
 * pending forever, so a SIGTERM handler hung. `listenerTimeoutMs` fails such an attempt (and retries it), and
 * `close({ timeoutMs })` resolves when the time is up, saying what was left.
 */
import { describe, expect, it } from '@jest/globals';
import { ListenerError } from '../lib/errors.js';
import { createApp, post, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';

const never = (): Promise<void> => new Promise<void>(() => undefined);

describe('listenerTimeoutMs', () => {
  it('fails an attempt that never settles, retries it, and reports the listener once every attempt has timed out', async () => {
    const { app, suno, of } = createApp({ listenerTimeoutMs: 100, retry: { retries: 1, minTimeout: 10 } });
    let attempts = 0;
    suno.on('cover-ready', () => {
      attempts += 1;
      return never();
    });
    expect((await post(app, fixture('cover.success.json'))).body).toEqual({ status: 'received' });
    await until(() => of('error').length === 1);
    const [error] = of('error');
    expect(error).toBeInstanceOf(ListenerError);
    expect((error as ListenerError).attempts).toBe(2);
    expect(error?.message).toMatch(/did not settle within 100 ms/);
    expect(attempts).toBe(2);
    expect(suno.inFlight).toBe(0);
    await expect(suno.close()).resolves.toEqual({ drained: true, unfinished: [] });
  });

  it('lets a slow listener that settles in time succeed', async () => {
    const { app, suno, of } = createApp({ listenerTimeoutMs: 2000 });
    let finished = false;
    suno.on('wav-ready', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      finished = true;
    });
    await post(app, fixture('wav.success.json'));
    await suno.close();
    expect(finished).toBe(true);
    expect(of('error')).toEqual([]);
  });

  it('is checked like every option', () => {
    expect(() => createApp({ listenerTimeoutMs: 0 })).toThrow(/`listenerTimeoutMs` must be an integer of at least 1/);
  });
});

describe('close({ timeoutMs })', () => {
  it('resolves when the time is up and names what was left unfinished', async () => {
    const { app, suno, logger } = createApp({ listenerTimeoutMs: 60_000 });
    suno.on('cover-ready', never);
    const body = fixture('cover.success.json');
    await post(app, body);
    await until(() => suno.inFlight === 1);
    const report = await suno.close({ timeoutMs: 100 });
    expect(report).toEqual({ drained: false, unfinished: [`cover:${body.data.taskId}:final`] });
    expect(logger.lines.some(([level, line]) => level === 'warn' && line.includes('1 callback(s) unfinished'))).toBe(true);
    // Closed: new callbacks are refused, and closing again answers the same.
    expect((await post(app, fixture('wav.success.json'))).status).toBe(503);
    await expect(suno.close()).resolves.toBe(report);
  });
});
