/**
 * Recipe: a Next.js App Router route handler. Save as `app/api/suno/callback/route.ts` (import from
 * 'suno-callbacks/web' instead of '../lib/web/index.js') and give the provider
 * `https://your.app/api/suno/callback` as `callBackUrl`; add `/cover`, `/lyrics`... to the URL for a kind hint.
 *
 * Store: Redis. Serverless instances come and go and share no memory, so a memory store would dedupe only within one
 * instance; set REDIS_URL (any ioredis or node-redis client works). Without REDIS_URL this falls back to memory, which
 * is right for `next dev` only.
 *
 * Listeners: on Vercel, pass Next's `after` as `waitUntil` so they run after the answer:
 *   import { after } from 'next/server';
 *   export const POST = (request: Request) => suno.fetch(request, { waitUntil: after });
 * Elsewhere (or to answer only once they succeeded, so a failure makes the provider retry) use `processBeforeAck`.
 */
import { Redis } from 'ioredis';
import { memoryStore, sunoCallbacks } from '../lib/web/index.js';
import { redisStore } from '../lib/stores/redis.js';

const store = process.env.REDIS_URL
  ? redisStore({ client: new Redis(process.env.REDIS_URL), prefix: 'suno-callbacks:' })
  : memoryStore();

// Module scope: created once per instance, not per request.
const suno = sunoCallbacks({
  secret: process.env.SUNO_WEBHOOK_SECRET,
  store,
  // The answer waits for the listeners: nothing is left running when the platform freezes the instance.
  processBeforeAck: true,
});

suno.on('cover-ready', async (event) => {
  console.log(`cover ${event.taskId}: ${event.images.length} image(s)`);
});

export const POST = (request: Request): Promise<Response> => suno.fetch(request);
