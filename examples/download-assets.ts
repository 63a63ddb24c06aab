/**
 * Downloads every asset a callback links to (covers, tracks, WAV, stems, video, recovered audio) into ./downloads
 * before the provider deletes them (14 days): `npx tsx examples/download-assets.ts`. Files land in
 * `./downloads/<task id>/`, e.g. `cover-0.png`, `track-1-audio.mp3`, `stem-vocal.mp3`, `video.mp4`. Links go only to the
 * provider's own file hosts (`PROVIDER_ASSET_HOSTS`), and one event fetches at most 24 files and 2 GiB.
 *
 * A failed download makes the listener throw: the middleware retries it (files already complete are kept, not fetched
 * again), then emits `error`, and releases the dedupe key so the provider's next delivery tries once more.
 *
 * Environment: SUNO_WEBHOOK_SECRET (the webhook HMAC key), PORT (3000), DOWNLOAD_DIR (./downloads), and
 * ALLOW_PRIVATE_DOWNLOADS=1 to let links reach private and loopback addresses and any host: only for trying the example
 * against a file server on your own machine; never in production, where it would let a link reach your internal network.
 */
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';
// In your app: import { downloadListener, PROVIDER_ASSET_HOSTS } from 'suno-callbacks/download';
import { downloadListener, PROVIDER_ASSET_HOSTS } from '../lib/download.js';

const DEVELOPMENT_SECRET = 'dev-secret-change-me';
const secret = process.env.SUNO_WEBHOOK_SECRET ?? DEVELOPMENT_SECRET;
const port = Number(process.env.PORT ?? 3000);
const dir = process.env.DOWNLOAD_DIR ?? './downloads';
const allowPrivateAddresses = process.env.ALLOW_PRIVATE_DOWNLOADS === '1';

const suno = sunoCallbacks({
  secret,
  // A listener that downloads runs longer than most: give each attempt room, and retry it a little later.
  retry: { retries: 2, minTimeout: 5_000, factor: 3 },
  concurrency: 4,
});

suno.on(
  'callback',
  downloadListener({
    dir,
    allowPrivateAddresses,
    // A forged callback's links then reach nothing but the provider's file hosts.
    ...(allowPrivateAddresses ? {} : { allowedHosts: PROVIDER_ASSET_HOSTS }),
    concurrency: 4,
    maxBytes: 500 * 1024 * 1024,
    onDownloaded: (files, event) => {
      console.log(`[${event.kind}] ${event.taskId}: ${files.length} file(s)`);
      for (const file of files) {
        const state = file.skipped ? 'already there' : `${file.attempts} attempt(s)`;
        console.log(`  ${file.path}  ${file.size} bytes  sha256=${file.sha256.slice(0, 16)}...  (${state})`);
      }
    },
  }),
);

suno.on('failure', (event) => console.log(`[failure] ${event.kind} ${event.taskId}: ${event.reason}`));
suno.on('error', (error) => {
  // A ListenerError whose cause is a DownloadsFailedError: one line per asset, with the host but never the URL.
  console.error(`[error] ${error.code}: ${error.message}`);
});

const app = express();
app.use(suno);
const server = app.listen(port, () => {
  console.log(`Downloading callback assets into ${dir}; callbacks on http://localhost:${port}${suno.path}`);
  if (secret === DEVELOPMENT_SECRET) {
    console.log(`Using the DEVELOPMENT secret "${DEVELOPMENT_SECRET}"; set SUNO_WEBHOOK_SECRET to use your own.`);
  }
});

async function shutdown(): Promise<void> {
  server.close();
  // Waits for downloads in progress to finish (or fail) before exiting.
  await suno.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
