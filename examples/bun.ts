/**
 * Recipe: Bun. `SUNO_WEBHOOK_SECRET=... bun run examples/bun.ts` (import from 'suno-callbacks/web' in your app).
 *
 * Store: memory, because Bun.serve is one long-lived process; run several behind a load balancer and they need a
 * shared store (`suno-callbacks/redis` works on Bun). Listeners run after the answer, in the same process.
 */
import { sunoCallbacks } from '../lib/web/index.js';

// Bun's global, declared here so that the repository's Node type check accepts this file.
declare const Bun: {
  serve(options: { port: number; fetch(request: Request): Response | Promise<Response> }): { port: number };
  env: Record<string, string | undefined>;
};

const suno = sunoCallbacks({
  secret: Bun.env.SUNO_WEBHOOK_SECRET,
  // Bun.serve hands every request to one fetch function: answer callbacks on this path, 404 elsewhere.
  path: '/suno/callback',
});

suno.on('music-ready', (event) => {
  console.log(`music ${event.taskId}: ${event.tracks.length} track(s)`);
});

const server = Bun.serve({ port: Number(Bun.env.PORT ?? 3000), fetch: (request) => suno.fetch(request) });
console.log(`listening on ${server.port}`);
