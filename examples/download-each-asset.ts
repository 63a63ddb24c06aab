/**
 * docs/downloads.md's second recipe: downloadAssets() called from your own listener, one outcome per asset, added to
 * the server of examples/download-listener.ts.
 */
import { suno } from './download-listener.js';
import { downloadAssets, PROVIDER_ASSET_HOSTS } from '../lib/download.js';

suno.on('cover-ready', async (event) => {
  const outcomes = await downloadAssets(event, { dir: './downloads', allowedHosts: PROVIDER_ASSET_HOSTS });
  for (const outcome of outcomes) {
    if (outcome.ok) console.log(outcome.path, outcome.size, outcome.sha256);
    else console.error(outcome.error.reason, outcome.error.message);
  }
});
