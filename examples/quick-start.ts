/**
 * The README's Quick start, as a file: examples.test.ts starts it and sends it signed callbacks, so the snippet users
 * paste is known to run. Set SUNO_WEBHOOK_SECRET (the webhook HMAC key from the provider dashboard) first.
 */
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';

const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET });
const app = express();
app.use(suno); // POST /suno/callback and POST /suno/callback/:kind

suno.on('cover-ready', (event) => console.log('cover', event.taskId, event.images));
suno.on('video-ready', (event) => console.log('video', event.taskId, event.videoUrl, event.expiresAt));
suno.on('failure', (event) => console.error('failed', event.kind, event.taskId, event.reason));

const server = app.listen(Number(process.env.PORT ?? 3000));
// On shutdown: new callbacks get 503 shutting_down (the provider retries them), running listeners get 10 s to finish.
process.on('SIGTERM', () => suno.close({ timeoutMs: 10_000 }).then(() => server.close()));
