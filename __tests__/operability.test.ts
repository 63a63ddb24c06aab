/**
 * Failures a new user would otherwise not see: refused requests are logged once per code with the fix, `on()` checks
 * its arguments at run time, and a mount that hides the callback path is reported. All through real requests.
 */
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { createApp, memoryLogger, post, SECRET, signed } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import { sunoCallbacks } from '../lib/index.js';
import { rejectionHint } from '../lib/rejection-hints.js';
import { rejectionLog } from '../lib/rejection-log.js';

const warnings = (logger: ReturnType<typeof memoryLogger>) =>
  logger.lines.filter(([level]) => level === 'warn').map(([, message]) => message);

describe('rejections are logged by default', () => {
  it('logs one warn line per refusal code, with what would fix it: secret, clock, content type, method', async () => {
    const { app, suno, logger } = createApp();
    const body = fixture('cover.success.json');
    await request(app).post('/suno/callback').set(signed(body, { secret: 'the-signer-uses-another' })).send(body);
    await request(app)
      .post('/suno/callback')
      .set(signed(body, { timestamp: Math.floor(Date.now() / 1000) - 912 }))
      .send(body);
    await request(app).post('/suno/callback').type('form').send({ task_id: 'x' });
    await request(app).get('/suno/callback');

    expect(warnings(logger)).toEqual([
      expect.stringMatching(/401 invalid_signature: the secret differs from the signer's/),
      expect.stringMatching(/401 stale_timestamp: clock off by 912 s \(the sender is behind this host\)/),
      expect.stringMatching(/415 unsupported_media_type: send application\/json/),
      expect.stringMatching(/405 method_not_allowed: send POST/),
    ]);
    // Never the secret it was configured with.
    expect(warnings(logger).join('\n')).not.toContain(SECRET);
    await suno.close();
  });

  it('puts the hint on the rejected event too', async () => {
    const { app, suno, of } = createApp({ logRejections: false });
    const body = fixture('cover.success.json');
    await request(app).post('/suno/callback').set(signed(body, { timestamp: Math.floor(Date.now() / 1000) + 1000 })).send(body);
    expect(of('rejected')).toEqual([
      expect.objectContaining({ status: 401, error: 'stale_timestamp', hint: expect.stringMatching(/^clock off by 1000 s \(the sender is ahead of/) }),
    ]);
    await suno.close();
  });

  it('repeats a code at most once per interval, then says how many it held back', () => {
    const logger = memoryLogger();
    let now = 0;
    const log = rejectionLog(logger, { intervalMs: 60_000, now: () => now });
    const invalid = { status: 401, error: 'invalid_signature', hint: 'the secret differs' };
    for (let i = 0; i < 5; i += 1) log(invalid);
    log({ status: 415, error: 'unsupported_media_type', hint: 'send application/json' });
    now = 59_999;
    log(invalid);
    now = 60_000;
    log(invalid);
    expect(warnings(logger)).toEqual([
      '[suno-callbacks] refused a callback with 401 invalid_signature: the secret differs',
      '[suno-callbacks] refused a callback with 415 unsupported_media_type: send application/json',
      '[suno-callbacks] refused a callback with 401 invalid_signature: the secret differs (5 more since the last line for this code)',
    ]);
  });

  it('stays silent with logRejections: false, and for refusals that need no fix', async () => {
    const quiet = createApp({ logRejections: false });
    await request(quiet.app).get('/suno/callback');
    expect(warnings(quiet.logger)).toEqual([]);
    expect(rejectionHint('shutting_down')).toBeUndefined();
    expect(rejectionHint('not_a_code')).toBeUndefined();
    expect(() => sunoCallbacks({ allowUnsigned: true, logRejections: 'no' as never })).toThrow(
      '`logRejections` must be true or false; received a string.',
    );
    await quiet.suno.close();
  });
});

describe('on() checks its arguments at run time', () => {
  const suno = sunoCallbacks({ secret: SECRET, logger: memoryLogger() });

  it('refuses an unknown event name with a did-you-mean', () => {
    expect(() => suno.on('cover-redy' as never, () => undefined)).toThrow(TypeError);
    expect(() => suno.on('cover-redy' as never, () => undefined)).toThrow(/unknown event name `cover-redy`\. Did you mean `cover-ready`\?/);
    expect(() => suno.on('videoready' as never, () => undefined)).toThrow(/Did you mean `video-ready`\?/);
    expect(() => suno.on(42 as never, () => undefined)).toThrow(/unknown event name the number 42\. Known events: music-progress/);
  });

  it('refuses a listener that is not a function', () => {
    expect(() => (suno.on as (name: string, listener?: unknown) => unknown)('cover-ready')).toThrow(
      new TypeError('on(`cover-ready`, listener) needs a function as its listener; received undefined.'),
    );
    expect(() => suno.on('cover-ready', 'save' as never)).toThrow(/received a string/);
  });

  it('still accepts every event of the map', () => {
    expect(suno.on('rejected', () => undefined).on('error', () => undefined).on('callback', () => undefined)).toBe(suno);
  });
});

describe('a mount that hides the callback path is reported', () => {
  function mounted(mount: (app: express.Express, suno: ReturnType<typeof sunoCallbacks>) => void, path?: string) {
    const logger = memoryLogger();
    const suno = sunoCallbacks({ secret: SECRET, logger, ...(path === undefined ? {} : { path }) });
    const app = express();
    mount(app, suno);
    app.use((_req, res) => void res.status(404).json({ error: 'not_found' }));
    return { app, suno, logger };
  }

  it("app.use('/suno/callback', suno): the first callback logs once, with `path: '/'`", async () => {
    const { app, suno, logger } = mounted((app, suno) => app.use('/suno/callback', suno));
    const body = fixture('cover.success.json');
    expect((await post(app, body)).status).toBe(404);
    expect((await post(app, body)).status).toBe(404);
    expect(warnings(logger)).toEqual([
      expect.stringMatching(/POST for \/suno\/callback reached the middleware .* mounted at \/suno\/callback .*`path: '\/'`/),
    ]);
    await suno.close();

    // The fix the line names works.
    const fixed = mounted((app, suno) => app.use('/suno/callback', suno), '/');
    expect((await post(fixed.app, body)).body).toEqual({ status: 'received' });
    expect(warnings(fixed.logger)).toEqual([]);
    await fixed.suno.close();
  });

  it("app.use('/suno', suno): suggests `path: '/callback'`, and a :kind route counts too", async () => {
    const { app, suno, logger } = mounted((app, suno) => app.use('/suno', suno));
    await request(app).get('/suno/elsewhere');
    expect(warnings(logger)).toEqual([]);
    await post(app, fixture('cover.success.json'), '/suno/callback/cover');
    expect(warnings(logger)).toEqual([expect.stringMatching(/pass `path: '\/callback'`/)]);
    await suno.close();
  });

  it('a route that adds a prefix in front of the path (a NestJS global prefix): suggests the full path', async () => {
    const { app, suno, logger } = mounted((app, suno) => app.post('/api/suno/callback', suno));
    expect((await post(app, fixture('cover.success.json'), '/api/suno/callback')).status).toBe(404);
    expect(warnings(logger)).toEqual([expect.stringMatching(/adds \/api in front.*`path: '\/api\/suno\/callback'`/)]);
    await suno.close();
  });

  it('stays silent when mounted under a prefix that keeps the path reachable, or at the root', async () => {
    const prefixed = mounted((app, suno) => app.use('/hooks', suno));
    expect((await post(prefixed.app, fixture('cover.success.json'), '/hooks/suno/callback')).body).toEqual({ status: 'received' });
    await request(prefixed.app).post('/hooks/other').send({});
    const root = mounted((app, suno) => app.use(suno));
    await request(root.app).get('/health');
    await request(root.app).get('/assets/suno/callback');
    expect([...warnings(prefixed.logger), ...warnings(root.logger)]).toEqual([]);
    await prefixed.suno.close();
    await root.suno.close();
  });
});
