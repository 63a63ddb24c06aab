/**
 * Recipe: hosts that freeze the process once the response is sent (serverless functions). With `processBeforeAck`
 * the answer waits for the listeners: 200 when they succeed, 500 `handler_failed` (and the dedupe key released, so
 * the provider's redelivery runs again) when one fails. Export `app` to your platform's Express adapter; run locally
 * with `npx tsx examples/serverless.ts`.
 */
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';

const suno = sunoCallbacks({
  secret: process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me',
  processBeforeAck: true,
  // The provider waits 15 s: keep every listener's time, retries included, well under it.
  retry: { retries: 1, minTimeout: 200 },
});

suno.on('music-ready', async (event) => {
  // Stand-in for the work that must finish before the host freezes (a database write, a queue message).
  await new Promise((resolve) => setTimeout(resolve, 50));
  console.log(`saved ${event.tracks.length} track(s) of ${event.taskId}`);
});

export const app = express().use(suno);

if (import.meta.url === `file://${process.argv[1]}`) {
  app.listen(Number(process.env.PORT ?? 3000), () => console.log(`listening on ${suno.path}`));
}
