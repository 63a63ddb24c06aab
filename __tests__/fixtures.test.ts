import { describe, expect, it } from '@jest/globals';
import { createApp, post, until } from './helpers/app.js';
import { fixture, fixtureIndex } from './helpers/fixtures.js';
import type { CallbackEvent } from '../lib/events.js';

describe('every documented fixture', () => {
  it.each(fixtureIndex.map((entry) => [entry.file, entry] as const))('%s is accepted and classified as its index says', async (_file, entry) => {
    const { app, of, suno } = createApp();
    const path = entry.needsRouteHint ? `/suno/callback/${entry.kind}` : '/suno/callback';
    const response = await post(app, fixture(entry.file), path);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'received' });
    await until(() => of('callback').length === 1);
    const event = of('callback')[0] as CallbackEvent;
    expect(event.kind).toBe(entry.kind);
    expect(event.stage).toBe(entry.stage);
    expect(event.taskId).toBe(entry.taskId);
    expect(event.key).toBe(`${entry.kind}:${entry.taskId}:${entry.stage}`);
    await suno.close();
  });

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
});
