/**
 * Reconciliation: a task whose callback never comes still ends in an event. `expectTask()` submits a music task,
 * expects it, and wires the listeners; docs/reconcile.md shows its middle part. Run by
 * __tests__/reconcile-example.test.ts against a fake provider on 127.0.0.1 (`apiKey`, `baseUrl` and a short
 * `afterSeconds` come from the caller there; in production: SUNO_API_KEY, https://api.sunoapi.org, and the defaults).
 */
import { sunoCallbacks } from '../lib/index.js';
import type { MusicTrack } from '../lib/events.js';

export interface ExpectTaskSetup {
  apiKey: string;
  baseUrl: string;
  afterSeconds: number;
  /** Your call to POST /api/v1/generate, with callBackUrl. */
  submitMusicTask: () => Promise<{ data: { taskId: string } }>;
  saveTracks: (taskId: string, tracks: MusicTrack[]) => unknown;
  markStuck: (kind: string, taskId: string, expectedAt: Date) => unknown;
}

export async function expectTask({ apiKey, baseUrl, afterSeconds, submitMusicTask, saveTracks, markStuck }: ExpectTaskSetup) {
  const suno = sunoCallbacks({
    secret: process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me',
    reconcile: { apiKey, baseUrl, afterSeconds },
  });

  const { data } = await submitMusicTask();
  await suno.expect(data.taskId, { kind: 'music' }); // legacy API (per-family endpoints); { api: 'market' } for kie.ai Market jobs

  suno.on('music-ready', (event) => saveTracks(event.taskId, event.tracks)); // from the callback or from a poll
  suno.on('task-timeout', ({ kind, taskId, expectedAt }) => markStuck(kind, taskId, expectedAt));
  return suno;
}
