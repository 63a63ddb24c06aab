/**
 * docs/downloads.md's first recipe as a server: every asset event's files are downloaded into ./downloads (relative
 * to the working directory), from the provider's file hosts only, and their paths saved. Run with
 * `npx tsx examples/download-listener.ts`; examples/download-each-asset.ts adds the second recipe to it.
 */
import express from 'express';
import { db } from './support/db.js';
import { sunoCallbacks } from '../lib/index.js';
import { downloadListener, PROVIDER_ASSET_HOSTS } from '../lib/download.js';

const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET });

suno.on('callback', downloadListener({
  dir: './downloads',
  allowedHosts: PROVIDER_ASSET_HOSTS, // recommended: links go to the provider's file hosts and nowhere else
  onDownloaded: (files, event) => db.saveFiles(event.taskId, files.map((file) => file.path)),
}));

suno.on('error', (error) => console.error(`[error] ${error.code}: ${error.message}`));

const app = express();
app.use(suno);
app.listen(Number(process.env.PORT ?? 3000));

export { suno };
