import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import type { CallbackEvent } from '../events.js';
import { Limiter } from '../limiter.js';
import { guardedLookup } from './address-guard.js';
import { assetsOf, type Asset } from './asset-urls.js';
import { AttemptFailure, DownloadError, DownloadsFailedError } from './errors.js';
import { fetchToFile, type Agents } from './fetch-file.js';
import { pathInside } from './file-names.js';
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

/** Runs the downloads of already-validated options; shared by `downloadAssets` and `downloadListener`. */
export async function runDownloads(event: CallbackEvent, options: ResolvedDownloadOptions): Promise<DownloadOutcome[]> {
  const assets = assetsOf(event).filter((asset) => options.filter?.(asset) ?? true);
  if (assets.length === 0) return [];
  const pool = { keepAlive: true, maxSockets: options.concurrency };
  const run: Run = { options, agents: { http: new http.Agent(pool), https: new https.Agent(pool) }, lookup: guardedLookup(options.policy) };
  const limiter = new Limiter(options.concurrency);
  let outcomes: DownloadOutcome[];
  try {
    outcomes = await Promise.all(assets.map((asset) => limiter.run(() => downloadOne(asset, run))));
  } finally {
    run.agents.http.destroy();
    run.agents.https.destroy();
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
