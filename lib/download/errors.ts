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

/** What `throwOnError` throws: every failed asset's {@link DownloadError}, and every outcome (successes included). */
export class DownloadsFailedError extends AggregateError {
  readonly code = 'ERR_SUNO_DOWNLOAD' as const;
  declare readonly errors: DownloadError[];
  /** One outcome per asset, in asset order: the files that did arrive are listed here too. */
  readonly outcomes: readonly DownloadOutcome[];

  constructor(errors: DownloadError[], outcomes: readonly DownloadOutcome[], eventKey: string) {
    const names = errors.map((error) => `${error.assetName} (${error.reason})`).join(', ');
    super(errors, `${errors.length} of ${outcomes.length} asset download(s) failed for ${eventKey}: ${names}`);
    this.name = 'DownloadsFailedError';
    this.outcomes = outcomes;
  }
}
