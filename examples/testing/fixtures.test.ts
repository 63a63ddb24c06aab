/**
 * docs/testing.md's fixtures, each sent signed to a real middleware (on the per-kind path, as a callBackUrl would
 * name it): every one must be accepted and reach the listener as its documented event. Run by
 * __tests__/docs-examples.test.ts.
 */
import { expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { sunoCallbacks } from '../../lib/index.js';
import { fixtures, signCallback } from '../../lib/testing/index.js';

const secret = 'test-secret';

it('every documented fixture is accepted as its event', async () => {
  const bodies = [
    fixtures.music({ stage: 'first', dialect: 'kie' }),
    fixtures.music({ dialect: 'market', model: 'ai-music-api/sounds' }),
    fixtures.video({ failed: true }),
    fixtures.cover({ code: 531, msg: 'Credits refunded' }),
    fixtures.music({ data: { data: [{ title: 'My Song' }] } }), // only the first track's title
    fixtures.lyrics({ data: { data: [{ status: 'failed', errorMessage: 'flagged' }] } }), // an item failed inside a 200
    fixtures.recovery({ tracks: 2, partial: true }), // Recovery Audio, the second track failed
    fixtures.result({ model: 'ai-music-api/generate-persona' }), // a Market model with no legacy callback
  ];
  const paths = ['music', 'music', 'video', 'cover', 'music', 'lyrics', 'recovery', 'result'];
  const expected = ['music-progress', 'music-ready', 'failure', 'failure', 'music-ready', 'lyrics-ready', 'recovery-ready', 'result-ready'];

  const suno = sunoCallbacks({ secret });
  const seen: string[] = [];
  for (const name of new Set(expected)) suno.on(name as 'failure', () => void seen.push(name));
  const app = express().use(suno);
  for (const [index, body] of bodies.entries()) {
    await request(app)
      .post(`/suno/callback/${paths[index]}`)
      .set(signCallback(body, { secret }))
      .send(body)
      .expect(200, { status: 'received' });
  }
  await suno.close();
  expect([...seen].sort()).toEqual([...expected].sort());
});
