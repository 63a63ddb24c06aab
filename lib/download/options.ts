import { booleanOption, numberOption, received, rejectUnknown, RETRY_OPTION_NAMES } from '../option-checks.js';
import type { RetryOptions } from '../options.js';
import { addressPolicy, parseAddressList, parseAllowedHosts, type AddressPolicy, type ResolveHost } from './address-guard.js';
import type { Asset } from './asset-urls.js';
import { DEFAULT_CONTENT_TYPES, type AssetMedia } from './media-types.js';

/** What `onProgress` receives: bytes so far in the current attempt (a retry starts again from 0). */
export interface DownloadProgress {
  asset: Asset;
  receivedBytes: number;
  /** The response's `Content-Length`, when it sent one. */
  totalBytes: number | undefined;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
}

export interface DownloadOptions {
  /** The folder files go to (created when missing); each task gets a subfolder. */
  dir: string;
  /** Assets of one event downloaded at once. @default 4 */
  concurrency?: number;
  /**
   * Retries per asset (p-retry), for network errors, timeouts, stalls, truncated bodies, 408, 429 and 5xx.
   * @default { retries: 5, minTimeout: 1000, factor: 2, maxTimeout: 30_000, randomize: true }
   */
  retry?: RetryOptions;
  /** One attempt (connect, redirects, headers and the whole body) may take this long. @default 300_000 */
  timeoutMs?: number;
  /** An attempt is abandoned when no byte arrives for this long, while connecting, before headers or mid-body. @default 30_000 */
  idleTimeoutMs?: number;
  /** Largest file accepted; a larger `Content-Length` or body is aborted and nothing is kept. @default 500 * 1024 * 1024 */
  maxBytes?: number;
  /**
   * Most assets one event may link. An event with more is refused whole: no request is made, and every asset fails
   * with reason `too_many_assets`. The provider's largest events link about 14 (12 stems and the original; two
   * tracks with audio, stream and image); only a forged callback links hundreds.
   * @default 24
   */
  maxAssetsPerEvent?: number;
  /**
   * Most bytes the downloads of one event may transfer together, every attempt counted. Past it, the transfers in
   * progress are aborted and the assets not yet fetched are not requested; they fail with reason `event_too_large`.
   * Twelve WAV stems of an eight-minute song are about 1 GiB.
   * @default 2 * 1024 ** 3 (2 GiB)
   */
  maxBytesPerEvent?: number;
  /**
   * Also download the tracks' `sourceAudioUrl`, `sourceStreamAudioUrl` and `sourceImageUrl`. The provider deprecated
   * them (they point at the original files, expire, and are not to be stored), so they are skipped by default.
   * @default false
   */
  includeSourceAssets?: boolean;
  /** Redirects followed per attempt; every hop is checked like the first URL. @default 5 */
  maxRedirects?: number;
  /** Longest `Retry-After` honoured; a longer one is shortened to this. @default 60_000 */
  maxRetryAfterMs?: number;
  /**
   * Accepted content types per media (`audio/*`, `image/png`, ...); a media left out keeps its default; `false`
   * accepts anything. A response without `Content-Type` counts as `application/octet-stream`.
   * @default { audio: ['audio/*', 'application/octet-stream', 'binary/octet-stream'], image: ['image/*', ...], video: ['video/*', ...] }
   */
  contentTypes?: Partial<Record<AssetMedia, readonly string[]>> | false;
  /**
   * Let downloads reach private, loopback, link-local and other non-public addresses: `true` for all, or a list of
   * addresses and CIDR ranges (`['10.20.0.0/16']`). Tests and internal mirrors only.
   * @default false
   */
  allowPrivateAddresses?: boolean | readonly string[];
  /**
   * Only these hosts (and `*.example.com` subdomains), checked on the first URL and on every redirect. Pass
   * `PROVIDER_ASSET_HOSTS` (the hosts the provider serves files from) unless you know better: a forged callback's
   * links then reach nothing else.
   * @default any host
   * @example downloadListener({ dir: './downloads', allowedHosts: PROVIDER_ASSET_HOSTS })
   */
  allowedHosts?: readonly string[];
  /** Resolves host names; every address is checked before the socket connects. @default dns.lookup, all addresses */
  resolveHost?: ResolveHost;
  /** Called as bytes arrive; a throw aborts that asset. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Download only the assets it returns true for (for example `(asset) => asset.kind !== 'track-stream'`). */
  filter?: (asset: Asset) => boolean;
  /** Keep a file already at the asset's path (a complete earlier download) instead of fetching it again. @default false */
  skipExisting?: boolean;
  /** Reject with a `DownloadsFailedError` when any asset fails, instead of resolving with every outcome. @default false */
  throwOnError?: boolean;
  /** Aborts every download of the call; their outcomes fail with reason `aborted`. */
  signal?: AbortSignal;
}

export interface ResolvedDownloadOptions {
  dir: string;
  concurrency: number;
  retry: RetryOptions;
  timeoutMs: number;
  idleTimeoutMs: number;
  maxBytes: number;
  maxAssetsPerEvent: number;
  maxBytesPerEvent: number;
  includeSourceAssets: boolean;
  maxRedirects: number;
  maxRetryAfterMs: number;
  contentTypes: Readonly<Record<AssetMedia, readonly string[]>> | false;
  policy: AddressPolicy;
  allowedHosts: readonly string[] | undefined;
  onProgress: ((progress: DownloadProgress) => void) | undefined;
  filter: ((asset: Asset) => boolean) | undefined;
  skipExisting: boolean;
  throwOnError: boolean;
  signal: AbortSignal | undefined;
}

export const DOWNLOAD_OPTION_NAMES = [
  'dir',
  'concurrency',
  'retry',
  'timeoutMs',
  'idleTimeoutMs',
  'maxBytes',
  'maxAssetsPerEvent',
  'maxBytesPerEvent',
  'includeSourceAssets',
  'maxRedirects',
  'maxRetryAfterMs',
  'contentTypes',
  'allowPrivateAddresses',
  'allowedHosts',
  'resolveHost',
  'onProgress',
  'filter',
  'skipExisting',
  'throwOnError',
  'signal',
] as const satisfies ReadonlyArray<keyof DownloadOptions>;

export const DEFAULT_MAX_ASSETS_PER_EVENT = 24;
export const DEFAULT_MAX_BYTES_PER_EVENT = 2 * 1024 ** 3;

export const DEFAULT_DOWNLOAD_RETRY: RetryOptions = {
  retries: 5,
  minTimeout: 1000,
  factor: 2,
  maxTimeout: 30_000,
  // Many assets failing together (a rate limit) should not come back in lockstep.
  randomize: true,
};

function callback<T>(name: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TypeError(`\`${name}\` must be a function; received ${received(value)}.`);
  return value as T;
}

function resolveRetry(value: unknown): RetryOptions {
  if (value === undefined) return DEFAULT_DOWNLOAD_RETRY;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`\`retry\` must be an object of p-retry options; received ${received(value)}.`);
  }
  rejectUnknown('retry.', value, RETRY_OPTION_NAMES);
  const retry = { ...DEFAULT_DOWNLOAD_RETRY, ...(value as RetryOptions) };
  for (const name of ['retries', 'minTimeout', 'maxTimeout', 'maxRetryTime'] as const) {
    const option = retry[name];
    if (option !== undefined && (typeof option !== 'number' || Number.isNaN(option) || option < 0)) {
      throw new TypeError(`\`retry.${name}\` must be a number of at least 0; received ${received(option)}.`);
    }
  }
  if (typeof retry.factor !== 'number' || !(retry.factor >= 1)) {
    throw new TypeError(`\`retry.factor\` must be a number of at least 1; received ${received(retry.factor)}.`);
  }
  booleanOption('retry.randomize', retry.randomize, false);
  return retry;
}

function resolveContentTypes(value: unknown): ResolvedDownloadOptions['contentTypes'] {
  if (value === undefined) return DEFAULT_CONTENT_TYPES;
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`\`contentTypes\` must be false or an object like { audio: ['audio/*'] }; received ${received(value)}.`);
  }
  rejectUnknown('contentTypes.', value, ['audio', 'image', 'video']);
  const result = { ...DEFAULT_CONTENT_TYPES };
  for (const [media, patterns] of Object.entries(value) as Array<[AssetMedia, unknown]>) {
    if (!Array.isArray(patterns) || patterns.some((pattern) => typeof pattern !== 'string' || !pattern.includes('/'))) {
      throw new TypeError(`\`contentTypes.${media}\` must be an array of content types like "audio/*" or "audio/mpeg".`);
    }
    result[media] = patterns as string[];
  }
  return result;
}

/** Validates the options once; a mistake throws a `TypeError` that names the option. */
export function resolveDownloadOptions(options: unknown, allowed: readonly string[] = DOWNLOAD_OPTION_NAMES): ResolvedDownloadOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Downloads take an options object with at least \`dir\`; received ${received(options)}.`);
  }
  rejectUnknown('', options, allowed);
  const raw = options as DownloadOptions;
  if (typeof raw.dir !== 'string' || raw.dir === '') {
    throw new TypeError(`\`dir\` must be the folder to download into (a non-empty string); received ${received(raw.dir)}.`);
  }
  const allowPrivate = raw.allowPrivateAddresses;
  let allow: boolean | ReturnType<typeof parseAddressList>;
  if (allowPrivate === undefined || typeof allowPrivate === 'boolean') allow = allowPrivate ?? false;
  else if (Array.isArray(allowPrivate)) allow = parseAddressList('allowPrivateAddresses', allowPrivate);
  else {
    throw new TypeError(
      `\`allowPrivateAddresses\` must be true, false or an array of addresses and CIDR ranges; received ${received(allowPrivate)}.`,
    );
  }
  const signal = raw.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`\`signal\` must be an AbortSignal; received ${received(signal)}.`);
  }
  return {
    dir: raw.dir,
    concurrency: numberOption('concurrency', raw.concurrency, 4, 1),
    retry: resolveRetry(raw.retry),
    timeoutMs: numberOption('timeoutMs', raw.timeoutMs, 300_000, 1),
    idleTimeoutMs: numberOption('idleTimeoutMs', raw.idleTimeoutMs, 30_000, 1),
    maxBytes: numberOption('maxBytes', raw.maxBytes, 500 * 1024 * 1024, 1),
    maxAssetsPerEvent: numberOption('maxAssetsPerEvent', raw.maxAssetsPerEvent, DEFAULT_MAX_ASSETS_PER_EVENT, 1),
    maxBytesPerEvent: numberOption('maxBytesPerEvent', raw.maxBytesPerEvent, DEFAULT_MAX_BYTES_PER_EVENT, 1),
    includeSourceAssets: booleanOption('includeSourceAssets', raw.includeSourceAssets, false),
    maxRedirects: numberOption('maxRedirects', raw.maxRedirects, 5, 0),
    maxRetryAfterMs: numberOption('maxRetryAfterMs', raw.maxRetryAfterMs, 60_000, 0),
    contentTypes: resolveContentTypes(raw.contentTypes),
    policy: addressPolicy(allow, callback<ResolveHost>('resolveHost', raw.resolveHost)),
    allowedHosts: parseAllowedHosts('allowedHosts', raw.allowedHosts),
    onProgress: callback('onProgress', raw.onProgress),
    filter: callback('filter', raw.filter),
    skipExisting: booleanOption('skipExisting', raw.skipExisting, false),
    throwOnError: booleanOption('throwOnError', raw.throwOnError, false),
    signal,
  };
}
