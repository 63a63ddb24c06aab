/**
 * The development server: `npm run example`. Receives callbacks on http://localhost:3000/suno/callback (and
 * /suno/callback/:kind) with the memory store and logs every event. Send it signed callbacks from a clone of the
 * repository with `npm run cli -- send cover --url http://localhost:3000/suno/callback --secret <the secret below>`
 * (`npx suno-callbacks send ...` where the package is installed). A port already in use ends it with exit code 1.
 */
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';

const DEVELOPMENT_SECRET = 'dev-secret-change-me';
const secret = process.env.SUNO_WEBHOOK_SECRET ?? DEVELOPMENT_SECRET;
const port = Number(process.env.PORT ?? 3000);

// This server logs every event itself, refusals included (with the same hint), so the built-in refusal log is off.
const suno = sunoCallbacks({ secret, logRejections: false });

suno.on('callback', (event) => {
  console.log(`[${event.kind}] ${event.stage} task=${event.taskId} code=${event.code} "${event.message}"`);
});
suno.on('music-progress', (event) => console.log(`  music-progress: ${event.tracks.length} track(s) so far`));
suno.on('music-ready', (event) => console.log(`  music-ready: ${event.tracks.map((track) => track.audioUrl).join(', ')}`));
suno.on('lyrics-ready', (event) => console.log(`  lyrics-ready: ${event.lyrics.map((item) => item.title).join(', ')}`));
suno.on('cover-ready', (event) => console.log(`  cover-ready: ${event.images.join(', ')}`));
suno.on('wav-ready', (event) => console.log(`  wav-ready: ${event.wavUrl}`));
suno.on('stems-ready', (event) => console.log(`  stems-ready (${event.mode}): ${Object.keys(event.stems).join(', ')}`));
suno.on('midi-ready', (event) => console.log(`  midi-ready: ${event.instruments.map((instrument) => instrument.name).join(', ')}`));
suno.on('video-ready', (event) => console.log(`  video-ready: ${event.videoUrl} (expires ${event.expiresAt.toISOString()})`));
suno.on('voice-phrase-ready', (event) => console.log(`  voice-phrase-ready: "${event.phrase}"`));
suno.on('voice-ready', (event) => console.log(`  voice-ready: ${event.voiceId}`));
suno.on('failure', (event) => console.log(`  failure: ${event.reason}${event.detail ? ` (${event.detail})` : ''}`));
suno.on('unrecognized', (event) => console.log(`[unrecognized] task=${event.taskId ?? '?'}`));
suno.on('duplicate', (event) => console.log(`[duplicate] ${event.key}`));
suno.on('rejected', (event) => console.log(`[rejected] ${event.status} ${event.error}: ${event.hint ?? event.message}`));
suno.on('error', (error) => console.error(`[error] ${error.code}: ${error.message}`));

const app = express();
app.use(suno);
const server = app.listen(port);
// Without this, a port already taken is reported by no one: the process printed "listening" and exited 0.
server.once('error', (error: NodeJS.ErrnoException) => {
  const reason = error.code === 'EADDRINUSE' ? `port ${port} is already in use; set PORT to another one` : error.message;
  console.error(`suno-callbacks example could not listen: ${reason}`);
  void suno.close().finally(() => process.exit(1));
});
server.once('listening', () => {
  console.log(`suno-callbacks example listening on http://localhost:${port}${suno.path}`);
  if (secret === DEVELOPMENT_SECRET) {
    console.log(`Using the DEVELOPMENT secret "${DEVELOPMENT_SECRET}"; set SUNO_WEBHOOK_SECRET to use your own.`);
  }
});

async function shutdown(): Promise<void> {
  server.close();
  await suno.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
