/**
 * Recipe: behind a reverse proxy that forwards https://api.example.com/hooks/* to this app. The middleware reads
 * neither the client address nor X-Forwarded-*, so nothing about the proxy needs configuring here; mount it under the
 * same prefix the public URL has. The proxy must pass X-Webhook-Timestamp and X-Webhook-Signature through, allow
 * bodies up to `maxBodyBytes`, and time out well under the provider's 15 s.
 * Run: `npx tsx examples/behind-proxy.ts` (callBackUrl: https://api.example.com/hooks/suno/callback/<kind>).
 */
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';

const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me' });
suno.on('callback', (event) => console.log(`${event.kind} ${event.stage} ${event.taskId}`));

const app = express();
app.set('trust proxy', 'loopback');
app.use('/hooks', suno);
app.get('/hooks/health', (_req, res) => void res.json({ ok: true, inFlight: suno.inFlight }));

const server = app.listen(Number(process.env.PORT ?? 3000), () => console.log('listening on /hooks/suno/callback'));
process.once('SIGTERM', () => {
  // Stop taking callbacks (503, which the provider retries), let running listeners finish, then exit.
  server.close();
  void suno.close().then(() => process.exit(0));
});
