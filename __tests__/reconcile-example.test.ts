/** examples/reconcile.ts (the block of docs/reconcile.md) runs: the callback never comes, the poll gives the event. */
import { expect, test } from '@jest/globals';
import { expectTask } from '../examples/reconcile.js';
import type { MusicTrack } from '../lib/events.js';
import { until } from './helpers/app.js';
import { answers, fakeProvider, taskId } from './helpers/fake-provider.js';

test('a task whose callback never comes ends in music-ready through polling', async () => {
  const provider = await fakeProvider('example-key');
  const task = taskId();
  provider.script('/api/v1/generate/record-info', task, [answers.musicSuccess(task)]);
  const saved: Array<[string, MusicTrack[]]> = [];
  const stuck: string[] = [];
  const suno = await expectTask({
    apiKey: 'example-key',
    baseUrl: provider.baseUrl,
    afterSeconds: 1,
    submitMusicTask: async () => ({ data: { taskId: task } }),
    saveTracks: (id, tracks) => saved.push([id, tracks]),
    markStuck: (_kind, id) => stuck.push(id),
  });
  try {
    await until(() => saved.length === 1, 10_000);
    expect(saved[0]?.[0]).toBe(task);
    expect(saved[0]?.[1].length).toBeGreaterThan(0);
    expect(stuck).toEqual([]);
    expect(provider.requestsFor(task)).toHaveLength(1);
  } finally {
    await suno.close();
    await provider.close();
  }
});
