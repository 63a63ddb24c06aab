/**
 * Recipe: AWS Lambda behind a function URL (auth type NONE: the webhook signature authenticates the provider).
 * Handler: `lambda-function-url.handler`; import from 'suno-callbacks/web'.
 *
 * Store: Redis (ElastiCache, or any Redis the function reaches). Concurrent invocations run in separate environments
 * that share no memory; without REDIS_URL this falls back to memory, which dedupes within one environment only.
 *
 * Listeners: Lambda freezes the environment as soon as the handler returns, so `processBeforeAck` makes the answer
 * wait for them (200 when they succeeded, 500 and a provider retry when one failed). Keep them well under the
 * provider's 15 s.
 */
import { Redis } from 'ioredis';
import { memoryStore, sunoCallbacks } from '../lib/web/index.js';
import { redisStore } from '../lib/stores/redis.js';

/** The function URL event (payload format 2.0), as far as this handler reads it. */
export interface FunctionUrlEvent {
  rawPath: string;
  rawQueryString?: string;
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const store = process.env.REDIS_URL
  ? redisStore({ client: new Redis(process.env.REDIS_URL), prefix: 'suno-callbacks:' })
  : memoryStore();

const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET, store, processBeforeAck: true });

suno.on('cover-ready', async (event) => {
  console.log(`cover ${event.taskId}: ${event.images.length} image(s)`);
});

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers)) if (value !== undefined) headers.set(name, value);
  const method = event.requestContext.http.method;
  const init: RequestInit = { method, headers };
  if (event.body !== undefined && method !== 'GET' && method !== 'HEAD') {
    init.body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  }
  const request = new Request(`https://${headers.get('host') ?? 'lambda.local'}${event.rawPath}${query}`, init);
  const response = await suno.fetch(request);
  return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}
