/**
 * Recipe: Hono. Run locally with `npx tsx examples/hono.ts` (Node, through @hono/node-server); the same `app` runs on
 * Bun, Deno and Cloudflare Workers as their Hono recipes show.
 *
 * Store: memory, because this is one long-lived process; several instances (or serverless hosts) need a shared store
 * such as `suno-callbacks/redis`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sunoCallbacks } from '../lib/web/index.js';

const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me' });

suno.on('cover-ready', (event) => {
  console.log(`cover ${event.taskId}: ${event.images.length} image(s)`);
});
suno.on('music-ready', (event) => {
  console.log(`music ${event.taskId}: ${event.tracks.length} track(s)`);
});

export const app = new Hono();
// `c.req.raw` is the Fetch Request, body unread. The optional `:kind` segment is the kind hint.
app.post('/suno/callback/:kind?', (c) => suno.fetch(c.req.raw));
app.get('/', (c) => c.text('ok'));

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) }, (info) => {
    console.log(`listening on ${info.port}`);
  });
  process.on('SIGTERM', () => {
    // Finish the listeners that are running, then stop.
    void suno.close().then(() => server.close());
  });
}
