import { SunoCallbackError } from '../errors.js';
import type { Asset } from './asset-urls.js';
import type { DownloadOutcome } from './download-assets.js';

/** Why one asset could not be downloaded; `retryable` reasons were retried before giving up. */
export type DownloadFailureReason =
  /** The asset's URL does not parse. */
  | 'invalid_url'
  /** Not `http:` or `https:` (first URL or a redirect). */
  | 'protocol'
  /** The host is not on `allowedHosts` (first URL or a redirect). */
  | 'host_not_allowed'
  /** The host is, or resolves to, a private, loopback, link-local or otherwise non-public address. */
  | 'address_blocked'
  /** An HTTP status other than 200: retried for 408, 429 and 5xx, final for other statuses. */
  | 'http_status'
  | 'too_many_redirects'
  /** The attempt took longer than `timeoutMs` in all. Retried. */
  | 'timeout'
  /** No byte arrived for `idleTimeoutMs` (connecting, waiting for headers, or mid-body). Retried. */
  | 'stalled'
  /** The connection failed or broke (reset, refused, DNS). Retried. */
  | 'network'
  /** The body ended before its `Content-Length`. Retried. */
  | 'truncated'
  /** `Content-Length` or the bytes received exceeded `maxBytes`. */
  | 'too_large'
  /** The `Content-Type` is not one accepted for the asset's media. */
  | 'content_type'
  /** The body is compressed (`Content-Encoding`); saving it would store other bytes than the asset. */
  | 'content_encoding'
  /** Creating, writing or renaming the file failed. */
  | 'filesystem'
  /** The event links more assets than `maxAssetsPerEvent`: none of them was fetched. */
  | 'too_many_assets'
  /** The event's downloads together went past `maxBytesPerEvent` (every attempt's bytes count). */
  | 'event_too_large'
  /** The caller's `signal` aborted, or `onProgress` threw. */
  | 'aborted';

/**
 * The failure of one attempt, thrown inside the retry loop. Internal: callers see {@link DownloadError}. Its message
 * never contains a URL (URLs may carry signed tokens), only the host.
 */
export class AttemptFailure extends Error {
  readonly reason: DownloadFailureReason;
  readonly retryable: boolean;
  readonly status: number | undefined;
  /** From `Retry-After`, already capped: wait at least this long before the next attempt. */
  readonly retryAfterMs: number | undefined;

  constructor(
    reason: DownloadFailureReason,
    message: string,
    details: { retryable?: boolean; status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'AttemptFailure';
    this.reason = reason;
    this.retryable = details.retryable ?? false;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * One asset could not be downloaded. Carries the host but never the URL: asset URLs may carry signed tokens, and
 * errors end up in logs. The asset itself (with its URL) is on the outcome next to this error.
 */
export class DownloadError extends SunoCallbackError {
  readonly reason: DownloadFailureReason;
  /** True when the last failure was of a kind that is retried (the retries ran out). */
  readonly retryable: boolean;
  /** Attempts made, retries included; 0 when the asset was refused before any request. */
  readonly attempts: number;
  /** The file name the asset would have had, relative to `dir`, without its extension. */
  readonly assetName: string;
  /** The host of the last URL tried (after redirects), `undefined` when the URL did not parse. */
  readonly host: string | undefined;
  /** The HTTP status, for `http_status`. */
  readonly status: number | undefined;

  constructor(asset: Asset, failure: AttemptFailure, attempts: number, host: string | undefined) {
    const where = host === undefined ? '' : ` from ${host}`;
    super(
      'ERR_SUNO_DOWNLOAD',
      `Could not download ${asset.name}${where} (${attempts} attempt(s)): ${failure.message}`,
      failure.cause === undefined ? undefined : { cause: failure.cause },
    );
    this.reason = failure.reason;
    this.retryable = failure.retryable;
    this.attempts = attempts;
    this.assetName = asset.name;
    this.host = host;
    this.status = failure.status;
  }
}

/** How many asset names a {@link DownloadsFailedError} message lists before it only counts the rest. */
const NAMES_IN_MESSAGE = 5;

/**
 * What `throwOnError` (and so `downloadListener`) throws: every failed asset's {@link DownloadError}, and every
 * outcome (successes included). A `SunoCallbackError` like every error of the package, so one `instanceof` check
 * covers it; `errors` has the same shape as an `AggregateError`'s.
 */
export class DownloadsFailedError extends SunoCallbackError {
  readonly errors: readonly DownloadError[];
  /** One outcome per asset, in asset order: the files that did arrive are listed here too. */
  readonly outcomes: readonly DownloadOutcome[];

  constructor(errors: readonly DownloadError[], outcomes: readonly DownloadOutcome[], eventKey: string) {
    // A forged event may link thousands of assets: the message stays one short line whatever the count.
    const listed = errors.slice(0, NAMES_IN_MESSAGE).map((error) => `${error.assetName} (${error.reason})`);
    const more = errors.length > NAMES_IN_MESSAGE ? ` and ${errors.length - NAMES_IN_MESSAGE} more` : '';
    super('ERR_SUNO_DOWNLOAD', `${errors.length} of ${outcomes.length} asset download(s) failed for ${eventKey}: ${listed.join(', ')}${more}`);
    this.errors = errors;
    this.outcomes = outcomes;
  }
}
