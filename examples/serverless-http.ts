/**
 * Recipe: AWS Lambda (or any API Gateway-shaped host) through serverless-http. The Express app is wrapped as a handler;
 * `processBeforeAck` makes the answer wait for the listeners, because the host freezes the process as soon as the
 * handler returns: work started after the answer might never finish. Deploy `handler`; the test invokes it with an
 * API Gateway event.
 */
import express from 'express';
import serverless from 'serverless-http';
import { sunoCallbacks } from '../lib/index.js';

export const suno = sunoCallbacks({
  secret: process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me',
  processBeforeAck: true,
  // The provider waits 15 s for an answer: keep every listener's time, retries included, well under it.
  retry: { retries: 1, minTimeout: 200 },
  // A shared store: each cold start has its own memory, so redeliveries to another instance are only caught by
  // Redis or PostgreSQL (see examples/redis.ts). Left at the memory store here to run anywhere.
});

suno.on('cover-ready', async (event) => {
  // Stand-in for the work that must finish before the host freezes (a database write, a queue message).
  console.log(`saved ${event.images.length} image(s) of ${event.taskId}`);
});

export const handler = serverless(express().use(suno));
