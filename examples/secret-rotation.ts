/**
 * Recipe: rotating the webhook HMAC key without losing a callback. Deploy with both keys, switch the key in the
 * provider dashboard, then deploy again with only the new one. Run: `npx tsx examples/secret-rotation.ts`.
 */
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';

// Both keys must be set during the rotation; filtering out an unset one keeps the factory's check meaningful.
const keys = [process.env.SUNO_KEY_NEW, process.env.SUNO_KEY_OLD].filter((key): key is string => Boolean(key));
if (keys.length === 0) keys.push('dev-secret-change-me');

const suno = sunoCallbacks({ secret: keys });
suno.on('callback', (event) => console.log(`${event.kind} ${event.stage} ${event.taskId}`));

express()
  .use(suno)
  .listen(Number(process.env.PORT ?? 3000), () => console.log(`accepting ${keys.length} key(s) on ${suno.path}`));
