/**
 * Recipe: no framework at all, a plain `node:http` server. The Express middleware is an ordinary
 * `(req, res, next)` function: mount it by calling it, and answer what it passes on (`next`) yourself.
 * `npx tsx examples/node-http.ts`
 *
 * Store: memory (one long-lived process); several processes need `suno-callbacks/redis` or `/postgres`.
 */
import { createServer } from 'node:http';
import { sunoCallbacks } from '../lib/index.js';

const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me' });

suno.on('cover-ready', (event) => {
  console.log(`cover ${event.taskId}: ${event.images.length} image(s)`);
});

export const server = createServer((req, res) =>
  suno(req, res, () => {
    // Not a callback path: the rest of your server.
    res.statusCode = 404;
    res.end();
  }),
);

if (import.meta.url === `file://${process.argv[1]}`) {
  server.listen(Number(process.env.PORT ?? 3000), () => console.log(`listening on ${suno.path}`));
  process.on('SIGTERM', () => {
    // Stop taking connections, finish running listeners, then exit.
    server.close();
    void suno.close();
  });
}
