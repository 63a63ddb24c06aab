/** docs/testing.md's example test of an app's listeners (jest + supertest); run by __tests__/docs-examples.test.ts. */
import { expect, it } from '@jest/globals';
import request from 'supertest';
import { fixtures, signCallback } from '../../lib/testing/index.js';
import { createApp } from './app.js';

const secret = 'test-secret';

it('saves the images of a cover', async () => {
  const saved: Array<[string, string[]]> = [];
  const { app, suno } = createApp(secret, { saveCover: async (taskId, images) => void saved.push([taskId, images]) });

  const body = fixtures.cover();
  await request(app).post('/suno/callback').set(signCallback(body, { secret })).send(body).expect(200, { status: 'received' });

  await suno.close(); // listeners run after the 200: close() waits for them
  expect(saved).toEqual([[body.data.taskId, body.data.images]]);
});

it('answers a redelivery as a duplicate and runs the listener once', async () => {
  const saved: string[] = [];
  const { app, suno } = createApp(secret, { saveCover: async (taskId) => void saved.push(taskId) });
  const body = fixtures.cover({ taskId: '21aee3c3c2a01fa5e030b3799fa4dd56' });
  const headers = signCallback(body, { secret });
  await request(app).post('/suno/callback').set(headers).send(body).expect(200, { status: 'received' });
  await request(app).post('/suno/callback').set(headers).send(body).expect(200, { status: 'duplicate' });
  await suno.close();
  expect(saved).toEqual(['21aee3c3c2a01fa5e030b3799fa4dd56']);
});

it('refuses a callback signed an hour ago', async () => {
  const { app, suno } = createApp(secret, { saveCover: async () => {} });
  const body = fixtures.cover();
  const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
  const response = await request(app).post('/suno/callback').set(signCallback(body, { secret, timestamp: anHourAgo })).send(body);
  expect(response.status).toBe(401);
  expect(response.body.error).toBe('stale_timestamp');
  await suno.close();
});
