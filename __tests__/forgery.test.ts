/**
 * Single-use signatures. The provider signs `<taskId>.<timestamp>`, not the body, so one captured header pair used to
 * carry any body for that task for the whole tolerance window. Now the first authentic use binds the signature to
 * its dedupe key and body: the same delivery again is a duplicate, anything else with that signature is refused
 * 401 `replayed_signature` — in every store, a claim/release-only one included, and across instances sharing one.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import type pg from 'pg';
import request from 'supertest';
import { mapStore } from '../examples/custom-store.js';
import type { DedupeStore } from '../lib/store.js';
import { postgresStore } from '../lib/stores/postgres.js';
import { redisStore } from '../lib/stores/redis.js';
import { createApp, signed } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import { needs, REDIS_URL, testPool, uniqueName } from './helpers/services.js';

type Headers = ReturnType<typeof signed>;

function send(app: Express, body: unknown, headers: Headers, path = '/suno/callback') {
  return request(app).post(path).set(headers).set('Content-Type', 'application/json').send(JSON.stringify(body));
}

/** The genuine `text` stage of a music task, and ten forgeries an attacker holding its headers could try. */
function attack() {
  const taskId = uniqueName('task').replaceAll('_', '');
  const genuineText = fixture('music.text.kie.json');
  genuineText.data.task_id = taskId;
  const genuineComplete = fixture('music.complete.kie.json');
  genuineComplete.data.task_id = taskId;
  const evil = 'https://attacker.example/evil.mp3';
  const forgedComplete = structuredClone(genuineComplete);
  for (const track of forgedComplete.data.data) track.audio_url = evil;
  const forgedFirst = structuredClone(forgedComplete);
  forgedFirst.data.callbackType = 'first';
  const forgedText = structuredClone(genuineText);
  forgedText.msg = 'forged';
  const fakeFailure = { code: 501, msg: 'Generation failed', data: { callbackType: 'error', task_id: taskId, data: null } };
  const fakeRefund = { code: 531, msg: 'credits refunded', data: { callbackType: 'error', task_id: taskId, data: null } };
  const forgeries: Array<{ name: string; body: unknown; path?: string }> = [
    { name: 'a complete stage with attacker URLs', body: forgedComplete },
    { name: 'a first stage with attacker URLs', body: forgedFirst },
    { name: 'the text stage with another body', body: forgedText },
    { name: 'a fake failure', body: fakeFailure },
    { name: 'a fake "credits refunded"', body: fakeRefund },
    { name: 'the same body on the video path', body: genuineText, path: '/suno/callback/video' },
    { name: 'the same body on the cover path', body: genuineText, path: '/suno/callback/cover' },
    { name: 'a complete stage on the music path', body: forgedComplete, path: '/suno/callback/music' },
    { name: 'a fake failure on the wav path', body: fakeFailure, path: '/suno/callback/wav' },
    { name: 'a fake failure on the midi path', body: fakeRefund, path: '/suno/callback/midi' },
  ];
  return { taskId, genuineText, genuineComplete, forgeries, evil };
}

/** Runs the attack against `apps` (one, or several instances sharing a store), spreading requests across them. */
async function runAttack(apps: Array<ReturnType<typeof createApp>>): Promise<void> {
  const { genuineText, genuineComplete, forgeries, evil } = attack();
  const at = (index: number) => apps[index % apps.length] as ReturnType<typeof createApp>;
  const textHeaders = signed(genuineText);
  expect((await send(at(0).app, genuineText, textHeaders)).body).toEqual({ status: 'received' });
  // The provider redelivering the very same request is an ordinary duplicate.
  expect((await send(at(1).app, genuineText, textHeaders)).body).toEqual({ status: 'duplicate' });

  let refused = 0;
  for (const [index, forgery] of forgeries.entries()) {
    const answer = await send(at(index).app, forgery.body, textHeaders, forgery.path);
    expect({ forgery: forgery.name, status: answer.status, error: answer.body.error }).toEqual({
      forgery: forgery.name,
      status: 401,
      error: 'replayed_signature',
    });
    refused += 1;
  }
  expect(refused).toBe(10);

  // The genuine complete stage, with its own signature, still gets through and carries the genuine URLs.
  expect((await send(at(2).app, genuineComplete, signed(genuineComplete))).body).toEqual({ status: 'received' });
  for (const { suno } of apps) await suno.close();
  const ready = apps.flatMap(({ of }) => of('music-ready'));
  expect(ready).toHaveLength(1);
  expect(ready[0]?.tracks.map((track) => track.audioUrl)).not.toContain(evil);
  expect(apps.flatMap(({ of }) => of('failure'))).toEqual([]);
  expect(apps.flatMap(({ of }) => of('music-progress')).map((event) => event.stage)).toEqual(['text']);
  expect(apps.flatMap(({ of }) => of('rejected')).filter((event) => event.error === 'replayed_signature')).toHaveLength(10);
}

describe('one captured header pair', () => {
  it('cannot carry any other body, stage or kind (memory store)', async () => {
    await runAttack([createApp()]);
  });

  it('cannot either with a store that implements only claim() and release()', async () => {
    const store: DedupeStore = mapStore();
    expect(Object.keys(store).sort()).toEqual(['claim', 'close', 'release']);
    await runAttack([createApp({ store })]);
  });

  it('may be replayed with the same body and path: an ordinary redelivery, answered duplicate', async () => {
    const { app, suno, of } = createApp();
    const body = fixture('cover.success.json');
    const headers = signed(body);
    const answers = [];
    for (let index = 0; index < 3; index += 1) answers.push((await send(app, body, headers)).body);
    expect(answers).toEqual([{ status: 'received' }, { status: 'duplicate' }, { status: 'duplicate' }]);
    await suno.close();
    expect(of('cover-ready')).toHaveLength(1);
  });
});

const describeRedis = await needs('redis');
describeRedis('one captured header pair, three instances sharing Redis', () => {
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const client of clients) client.disconnect();
  });

  it('is refused on every instance', async () => {
    const prefix = `${uniqueName('forgery')}:`;
    const apps = [0, 1, 2].map(() => {
      const client = new Redis(REDIS_URL);
      clients.push(client);
      return createApp({ store: redisStore({ client, prefix }) });
    });
    await runAttack(apps);
  });
});

const describePostgres = await needs('postgres');
describePostgres('one captured header pair, three instances sharing PostgreSQL', () => {
  const pools: pg.Pool[] = [];
  const table = uniqueName('suno_forgery');
  afterAll(async () => {
    await pools[0]?.query(`DROP TABLE IF EXISTS "${table}"`);
    for (const pool of pools) await pool.end();
  });

  it('is refused on every instance', async () => {
    const apps = [0, 1, 2].map(() => {
      const pool = testPool(2);
      pools.push(pool);
      return createApp({ store: postgresStore({ pool, table }) });
    });
    await runAttack(apps);
  });
});

describe('task ids no store should see', () => {
  it.each([
    ['a NUL', 'abc\u0000def'],
    ['a newline', 'abc\ndef'],
    ['a DEL', 'abc\u007fdef'],
  ])('a task id with %s is refused 400 before the store is asked', async (_name, taskId) => {
    let claims = 0;
    const inner = mapStore();
    const store: DedupeStore = { claim: (key, ttl) => ((claims += 1), inner.claim(key, ttl)), release: (key) => inner.release(key) };
    const { app, suno } = createApp({ store });
    const body = fixture('cover.success.json');
    body.data.taskId = taskId;
    const answer = await send(app, body, signed(body));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_payload', message: expect.stringMatching(/control characters/) });
    expect(claims).toBe(0);
    await suno.close();
  });
});

describePostgres('a task id with a NUL on PostgreSQL', () => {
  it('is a 400 for the sender, not a 503 on every delivery', async () => {
    const pool = testPool(1);
    const table = uniqueName('suno_nul');
    try {
      const { app, suno, of } = createApp({ store: postgresStore({ pool, table }) });
      const body = fixture('cover.success.json');
      body.data.taskId = 'nul\u0000id';
      const answer = await send(app, body, signed(body));
      expect(answer.status).toBe(400);
      expect(of('error')).toEqual([]);
      await suno.close();
    } finally {
      await pool.query(`DROP TABLE IF EXISTS "${table}"`);
      await pool.end();
    }
  });
});

