/**
 * Recipe: check a callback yourself and put it on a queue, for a worker elsewhere to process (a Worker's Queue
 * binding, SQS, a BullMQ queue...). `verifyCallback` and `parseCallback` need no handler, so nothing here dedupes or
 * dispatches: the consumer does, with the `receivedAt` this stores (pass it to `verifyCallback`/`parseCallback` again
 * there, so the timestamp window is checked against the first arrival). Import from 'suno-callbacks/web'.
 */
import { parseCallback, verifyCallback } from '../lib/web/index.js'; // or from 'suno-callbacks'

/** The part of a queue this recipe uses: any client with a `send` of one message. */
export interface QueueLike {
  send(message: { body: string; receivedAt: number }): Promise<unknown>;
}

export interface Env {
  SUNO_WEBHOOK_SECRET: string;
}

export async function enqueueCallback(request: Request, env: Env, queue: QueueLike): Promise<Response> {
  const body = await request.text();
  const verified = await verifyCallback({ body, headers: request.headers, secret: env.SUNO_WEBHOOK_SECRET });
  if (!verified.ok) return Response.json({ error: verified.error }, { status: 401 });

  const parsed = parseCallback(body);
  if (!parsed.ok) return Response.json({ error: parsed.error, message: parsed.message }, { status: 400 });
  await queue.send({ body, receivedAt: Date.now() });
  return Response.json({ status: 'queued', taskId: verified.taskId });
}
