/**
 * Several instances, one Redis: `npx tsx examples/redis.ts` (start two with PORT=3001 and PORT=3002 to see the
 * dedupe work across processes). Uses REDIS_URL (default redis://127.0.0.1:6379) through your own ioredis client;
 * a node-redis client works the same way:
 *
 *   const client = await createClient({ url: process.env.REDIS_URL }).on('error', console.error).connect();
 *
 * The store dedupes and binds signatures across instances; listeners still run in the process that answered. For
 * delivery that survives a crash, add a BullMQ queue (examples/bullmq/).
 */
import express from 'express';
import { Redis } from 'ioredis';
import { sunoCallbacks } from '../lib/index.js';
import { redisStore } from '../lib/stores/redis.js';

const secret = process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me';
const port = Number(process.env.PORT ?? 3000);

const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
// Without a listener, a lost connection is printed as an unhandled error event; the store reports it anyway.
client.on('error', (error) => console.error(`[redis] ${error.message}`));

const suno = sunoCallbacks({
  secret,
  store: redisStore({ client, prefix: 'suno-callbacks:' }),
  // While Redis is down the sender gets 503 after at most this long, and retries.
  storeTimeoutMs: 2000,
});

suno.on('callback', async (event) => {
  console.log(`[${process.pid}] ${event.kind} ${event.stage} task=${event.taskId}`);
});
suno.on('duplicate', (event) => console.log(`[${process.pid}] duplicate ${event.key}`));
suno.on('error', (error) => console.error(`[${process.pid}] ${error.code}: ${error.message}`));

const app = express();
app.use(suno);
const server = app.listen(port, () => console.log(`listening on http://localhost:${port}${suno.path} (Redis store)`));

async function shutdown(): Promise<void> {
  server.close();
  await suno.close();
  await client.quit();
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
