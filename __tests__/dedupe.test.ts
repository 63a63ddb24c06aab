import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApp, post, signed, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import type { DedupeStore } from '../lib/store.js';

describe('dedupe by <kind>:<taskId>:<stage>', () => {
  it('50 concurrent identical deliveries run the listener once and all get 200 (1 received, 49 duplicate)', async () => {
    const { app, suno, of } = createApp();
    let runs = 0;
    suno.on('cover-ready', async () => {
      runs += 1;
    });
    const body = fixture('cover.success.json');
    const responses = await Promise.all(Array.from({ length: 50 }, () => post(app, body)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const statuses = responses.map((response) => response.body.status as string);
    expect(statuses.filter((status) => status === 'received')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'duplicate')).toHaveLength(49);
    await suno.close();
    expect(runs).toBe(1);
    expect(of('duplicate')).toHaveLength(49);
    expect(of('duplicate')[0]).toMatchObject({ key: 'cover:21aee3c3c2a01fa5e030b3799fa4dd56:final', kind: 'cover' });
  });

  it('text, first and complete of one music task are three events', async () => {
    const { app, suno, of } = createApp();
    // The provider signs each delivery with its own send time; stages sent within one second would share a
    // signature, which single-use signatures refuse (see auth.test.ts).
    const now = Math.floor(Date.now() / 1000);
    for (const [index, file] of ['music.text.kie.json', 'music.first.kie.json', 'music.complete.kie.json'].entries()) {
      const body = fixture(file);
      const response = await request(app)
        .post('/suno/callback')
        .set(signed(body, { timestamp: now - 3 + index }))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expect(response.body).toEqual({ status: 'received' });
    }
    await suno.close();
    expect(of('music-progress').map((event) => event.stage)).toEqual(['text', 'first']);
    expect(of('music-ready')).toHaveLength(1);
    expect(new Set(of('callback').map((event) => event.key)).size).toBe(3);
  });

  it('a callback whose listener failed every attempt is processed again when redelivered', async () => {
    const { app, suno, of } = createApp({ retry: { retries: 2, minTimeout: 1, factor: 1 } });
    let attempts = 0;
    suno.on('video-ready', () => {
      attempts += 1;
      if (attempts <= 3) throw new Error('database down');
    });
    const body = fixture('video.success.sunoapi.json');
    expect((await post(app, body)).body).toEqual({ status: 'received' });
    await until(() => of('error').length === 1);
    expect(attempts).toBe(3);
    expect((await post(app, body)).body).toEqual({ status: 'received' });
    await suno.close();
    expect(attempts).toBe(4);
    expect((await post(app, body)).status).toBe(503);
  });

  it('a store that throws gets 503 store_unavailable with Retry-After, an error event, and no listener run', async () => {
    const failing: DedupeStore = {
      claim: () => Promise.reject(new Error('connection refused')),
      release: () => undefined,
    };
    const { app, suno, of } = createApp({ store: failing });
    let runs = 0;
    suno.on('callback', () => void (runs += 1));
    const response = await post(app, fixture('cover.success.json'));
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toMatchObject({ error: 'store_unavailable' });
    expect(of('error')[0]).toMatchObject({ code: 'ERR_SUNO_STORE', operation: 'claim' });
    expect(runs).toBe(0);
  });

  it('a store that never answers is given up on after storeTimeoutMs', async () => {
    const hung: DedupeStore = { claim: () => new Promise<boolean>(() => undefined), release: () => undefined };
    const { app, of } = createApp({ store: hung, storeTimeoutMs: 50 });
    const response = await post(app, fixture('cover.success.json'));
    expect(response.status).toBe(503);
    expect(of('error')[0]?.message).toMatch(/no answer within 50 ms/);
  });

  it('the key is the kind hint plus the body task id, so the same task id on two kinds is two callbacks', async () => {
    const { app, suno, of } = createApp();
    const failure = fixture('midi.error.kie.json');
    const headers = signed(failure);
    const first = await request(app).post('/suno/callback/midi').set(headers).send(failure);
    // The same headers on another kind's path are a replay; a delivery with its own signature is another callback.
    const replayed = await request(app).post('/suno/callback/video').set(headers).send(failure);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toMatchObject({ error: 'replayed_signature' });
    const second = await request(app).post('/suno/callback/video').set(signed(failure)).send(failure);
    expect([first.body.status, second.body.status]).toEqual(['received', 'received']);
    await suno.close();
    expect(of('failure').map((event) => event.key).sort()).toEqual(['midi:5c79****be8e:error', 'video:5c79****be8e:error']);
  });
});
