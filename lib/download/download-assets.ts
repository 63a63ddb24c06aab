import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import type { CallbackEvent } from '../events.js';
import { Limiter } from '../limiter.js';
import { guardedLookup } from './address-guard.js';
import { assetsOf, SOURCE_ASSET_KINDS, type Asset } from './asset-urls.js';
import { AttemptFailure, DownloadError, DownloadsFailedError } from './errors.js';
import { fetchToFile, type Agents, type EventBudget } from './fetch-file.js';
import { pathInside, safeSegment } from './file-names.js';
import { extensionsFor } from './media-types.js';
import { resolveDownloadOptions, type DownloadOptions, type ResolvedDownloadOptions } from './options.js';

/** An asset that is on disk, complete. */
export interface DownloadedFile {
  ok: true;
  asset: Asset;
  /** Absolute path of the file. */
  path: string;
  /** Bytes written. */
  size: number;
  /** SHA-256 of the bytes written, lower-case hex. */
  sha256: string;
  /** The response's media type (`audio/mpeg`), `undefined` when it sent none or the file was skipped. */
  contentType: string | undefined;
  /** Attempts made; 0 when `skipExisting` kept a file already there. */
  attempts: number;
  /** True when `skipExisting` kept a file already there. */
  skipped: boolean;
}

/** An asset that could not be downloaded; nothing of it is left on disk. */
export interface DownloadFailure {
  ok: false;
  asset: Asset;
  error: DownloadError;
}

export type DownloadOutcome = DownloadedFile | DownloadFailure;

interface Run {
  options: ResolvedDownloadOptions;
  budget: EventBudget;
  agents: Agents;
  lookup: LookupFunction;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The file an earlier complete download left, if any: only complete files ever get the final name. */
async function existing(asset: Asset, options: ResolvedDownloadOptions): Promise<DownloadedFile | undefined> {
  const extensions = asset.extension !== undefined ? [asset.extension] : [...extensionsFor(asset.media), asset.fallbackExtension];
  for (const extension of new Set(extensions)) {
    const path = pathInside(options.dir, `${asset.name}.${extension}`);
    const found = await stat(path).catch(() => undefined);
    if (found?.isFile() === true) {
      return { ok: true, asset, path, size: found.size, sha256: await sha256Of(path), contentType: undefined, attempts: 0, skipped: true };
    }
  }
  return undefined;
}

async function downloadOne(asset: Asset, run: Run): Promise<DownloadOutcome> {
  const { options } = run;
  let attempts = 0;
  let host: string | undefined;
  // Set from a Retry-After answer. p-retry's backoff runs first; the next attempt then waits out whatever is left, so
  // the pause is the longer of the two.
  let notBefore = 0;
  try {
    if (options.skipExisting) {
      const kept = await existing(asset, options);
      if (kept !== undefined) return kept;
    }
    const file = await pRetry(
      async (attempt) => {
        attempts = attempt;
        const wait = notBefore - Date.now();
        if (wait > 0) await sleep(wait, undefined, options.signal === undefined ? {} : { signal: options.signal });
        try {
          return await fetchToFile({
            asset,
            budget: run.budget,
            attempt,
            options,
            agents: run.agents,
            lookup: run.lookup,
            onHost: (name) => {
              host = name;
            },
          });
        } catch (error) {
          if (error instanceof AttemptFailure && error.retryAfterMs !== undefined) notBefore = Date.now() + error.retryAfterMs;
          throw error;
        }
      },
      {
        ...options.retry,
        signal: options.signal,
        // Every failure arrives as an AttemptFailure (never a bare TypeError, which p-retry would not retry), and
        // says itself whether another attempt can help.
        shouldRetry: ({ error }) => error instanceof AttemptFailure && error.retryable,
      },
    );
    return { ok: true, asset, ...file, attempts, skipped: false };
  } catch (error) {
    const failure =
      error instanceof AttemptFailure
        ? error
        : options.signal?.aborted === true
          ? new AttemptFailure('aborted', 'the download was aborted')
          : new AttemptFailure('filesystem', 'could not check the download folder', { cause: error });
    return { ok: false, asset, error: new DownloadError(asset, failure, attempts, host) };
  }
}

/** Every asset refused before any request: the event links more than `maxAssetsPerEvent`. */
function tooMany(assets: readonly Asset[], options: ResolvedDownloadOptions): DownloadOutcome[] {
  const failure = new AttemptFailure(
    'too_many_assets',
    `the event links ${assets.length} assets, more than maxAssetsPerEvent (${options.maxAssetsPerEvent}); none was fetched`,
  );
  return assets.map((asset) => ({ ok: false, asset, error: new DownloadError(asset, failure, 0, undefined) }));
}

/**
 * The complete stage wins: once all of its files are on disk, the files of the music progress stages (kept under
 * `<task>/text/` and `<task>/first/`) go, so a forged progress callback cannot leave its files behind.
 */
async function removeProgressFiles(event: CallbackEvent, options: ResolvedDownloadOptions): Promise<void> {
  if (event.kind !== 'music' || event.stage !== 'complete') return;
  const task = safeSegment(event.taskId);
  for (const stage of ['text', 'first']) {
    await rm(pathInside(options.dir, `${task}/${stage}`), { recursive: true, force: true });
  }
}

/** Runs the downloads of already-validated options; shared by `downloadAssets` and `downloadListener`. */
export async function runDownloads(event: CallbackEvent, options: ResolvedDownloadOptions): Promise<DownloadOutcome[]> {
  const assets = assetsOf(event).filter(
    (asset) => (options.includeSourceAssets || !SOURCE_ASSET_KINDS.has(asset.kind)) && (options.filter?.(asset) ?? true),
  );
  if (assets.length === 0) return [];
  let outcomes: DownloadOutcome[];
  if (assets.length > options.maxAssetsPerEvent) {
    // Refused whole, before any request: fetching the first N of a forged list would still fetch for the forger.
    outcomes = tooMany(assets, options);
  } else {
    const pool = { keepAlive: true, maxSockets: options.concurrency };
    const run: Run = {
      options,
      budget: { usedBytes: 0, exhausted: false },
      agents: { http: new http.Agent(pool), https: new https.Agent(pool) },
      lookup: guardedLookup(options.policy),
    };
    const limiter = new Limiter(options.concurrency);
    try {
      outcomes = await Promise.all(assets.map((asset) => limiter.run(() => downloadOne(asset, run))));
    } finally {
      run.agents.http.destroy();
      run.agents.https.destroy();
    }
    if (outcomes.every((outcome) => outcome.ok)) await removeProgressFiles(event, options);
  }
  if (options.throwOnError) {
    const errors = outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.error]));
    if (errors.length > 0) throw new DownloadsFailedError(errors, outcomes, event.key);
  }
  return outcomes;
}

/**
 * Downloads every asset of an event (see `assetsOf`) into `dir`, before the provider deletes them (14 days after the
 * callback). Each file is streamed to a temporary name beside its final one and renamed only when complete, with
 * retries, timeouts, a size limit, a content-type check, and addresses checked after DNS resolution so a link can
 * never reach a private network. Resolves with one outcome per asset, in asset order; with `throwOnError`, rejects
 * with a `DownloadsFailedError` when any asset failed.
 *
 * @example
 * suno.on('cover-ready', async (event) => {
 *   const outcomes = await downloadAssets(event, { dir: './downloads' });
 *   for (const outcome of outcomes) {
 *     if (outcome.ok) console.log(outcome.path, outcome.size, outcome.sha256);
 *     else console.error(outcome.error.message);
 *   }
 * });
 */
export async function downloadAssets(event: CallbackEvent, options: DownloadOptions): Promise<DownloadOutcome[]> {
  return runDownloads(event, resolveDownloadOptions(options));
}
