import { describe, expect, it } from '@jest/globals';
import { createApp, post, until } from './helpers/app.js';
import { fixture, fixtureIndex } from './helpers/fixtures.js';
import type { CallbackEvent } from '../lib/events.js';

describe('every documented fixture', () => {
  it('the index lists all 37 documented bodies', () => {
    expect(fixtureIndex).toHaveLength(37);
  });

  it.each(fixtureIndex.map((entry) => [entry.file, entry] as const))(
    '%s is accepted and classified as its index says on its per-kind path',
    async (_file, entry) => {
      const { app, of, suno } = createApp();
      const response = await post(app, fixture(entry.file), `/suno/callback/${entry.kind}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'received' });
      await until(() => of('callback').length === 1);
      const event = of('callback')[0] as CallbackEvent;
      expect(event.kind).toBe(entry.kind);
      expect(event.stage).toBe(entry.stage);
      expect(event.taskId).toBe(entry.taskId);
      expect(event.key).toBe(`${entry.kind}:${entry.taskId}:${entry.stage}`);
      await suno.close();
    },
  );

  it.each(fixtureIndex.filter((entry) => !entry.needsRouteHint).map((entry) => [entry.file, entry] as const))(
    '%s is accepted and classified as its index says on the plain path',
    async (_file, entry) => {
      const { app, of, suno } = createApp();
      const response = await post(app, fixture(entry.file));
      expect(response.status).toBe(200);
      await until(() => of('callback').length === 1);
      const event = of('callback')[0] as CallbackEvent;
      expect(event.kind).toBe(entry.kind);
      expect(event.stage).toBe(entry.stage);
      expect(event.taskId).toBe(entry.taskId);
      expect(event.key).toBe(`${entry.kind}:${entry.taskId}:${entry.stage}`);
      expect(of('unrecognized')).toHaveLength(0);
      await suno.close();
    },
  );

  it.each(fixtureIndex.filter((entry) => entry.needsRouteHint).map((entry) => [entry.file] as const))(
    '%s without a route hint is still accepted and reported as a failure of kind "unknown"',
    async (file) => {
      const { app, of } = createApp();
      const response = await post(app, fixture(file));
      expect(response.status).toBe(200);
      await until(() => of('failure').length === 1);
      expect(of('failure')[0]).toMatchObject({ kind: 'unknown', stage: 'error' });
    },
  );

  it('a Market body on the music path of another family is classified by its model', async () => {
    const { app, of } = createApp();
    const body = fixture('market.music.complete.kie.json');
    body.data.model = 'ai-music-api/create-music-video';
    body.data.resultJson = JSON.stringify({ code: 200, msg: 'ok', data: { task_id: 'x', video_url: 'https://example.com/v.mp4' } });
    expect((await post(app, body, '/suno/callback/music')).status).toBe(200);
    await until(() => of('video-ready').length === 1);
    expect(of('video-ready')[0]).toMatchObject({ kind: 'video', videoUrl: 'https://example.com/v.mp4', model: 'ai-music-api/create-music-video' });
  });
});
