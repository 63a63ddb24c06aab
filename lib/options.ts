import { booleanOption, numberOption, received, rejectUnknown, RETRY_OPTION_NAMES } from './option-checks.js';
import { resolveQueueOption } from './bullmq/queue-option.js';
import type { CallbackQueue } from './bullmq/queue-shape.js';
import { assertStore, type DedupeStore } from './store.js';
import { memoryStore } from './stores/memory.js';
import { resolveTelemetry, type Telemetry } from './telemetry/telemetry.js';
import { resolveReconcile, type ReconcileOptions, type ResolvedReconcile } from './reconcile/options.js';

/** Where library messages go; any object with these four methods (console, pino, winston) fits. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/** The p-retry options that apply to listeners. */
export interface RetryOptions {
  /** Retries after the first attempt. @default 3 */
  retries?: number;
  /** Milliseconds before the first retry. @default 500 */
  minTimeout?: number;
  /** Longest wait between two retries. @default Infinity */
  maxTimeout?: number;
  /** Growth of the wait between retries. @default 2 */
  factor?: number;
  /** Multiply each wait by a random factor between 1 and 2. @default false */
  randomize?: boolean;
  /** Stop retrying after this many milliseconds in all. @default Infinity */
  maxRetryTime?: number;
}

export interface SunoCallbacksOptions {
  /**
   * The webhook HMAC key from the provider's dashboard. Several keys are accepted during a rotation.
   * @example sunoCallbacks({ secret: [newKey, oldKey] })
   */
  secret?: string | readonly string[] | undefined;
  /** Alternative to `secret`: a `token` query parameter you put in the `callBackUrl`. */
  token?: string | readonly string[] | undefined;
  /** Accept callbacks with no authentication at all. Development only; warns once. @default false */
  allowUnsigned?: boolean | undefined;
  /** Accepted clock difference, in seconds, for `X-Webhook-Timestamp` (both directions). @default 300 */
  toleranceSeconds?: number | undefined;
  /** Where callbacks arrive; `${path}/:kind` gives a kind hint. @default '/suno/callback' */
  path?: string | undefined;
  /** Where dedupe keys live. @default memoryStore() */
  store?: DedupeStore | undefined;
  /** How long an accepted callback blocks redeliveries of itself. @default 86_400 */
  dedupeTtlSeconds?: number | undefined;
  /** Larger bodies get 413. MIDI bodies can be large. @default 5 * 1024 * 1024 */
  maxBodyBytes?: number | undefined;
  /** Listener retries (p-retry). @default { retries: 3, minTimeout: 500, factor: 2 } */
  retry?: RetryOptions | undefined;
  /** Listeners running at once. @default 16 */
  concurrency?: number | undefined;
  /** Accepted callbacks waiting or running before new ones get 503 `overloaded`. @default 1000 */
  maxPending?: number | undefined;
  /** Run listeners before answering, for hosts that freeze after the response (serverless). @default false */
  processBeforeAck?: boolean | undefined;
  /** Library messages. @default console, with debug off */
  logger?: Logger | undefined;
  /** A store call slower than this counts as failed: the sender gets 503 and retries later. @default 5000 */
  storeTimeoutMs?: number | undefined;
  /**
   * A listener attempt that has not settled after this long counts as failed and is retried; a listener that never
   * settles would otherwise hold its slot, and `close()`, forever. @default 30_000
   */
  listenerTimeoutMs?: number | undefined;
  /** A body that has not fully arrived this long after the headers gets 408 `body_timeout`. @default 15_000 */
  bodyTimeoutMs?: number | undefined;
  /**
   * Most body bytes buffered at once by requests not yet authenticated (their signature needs the body's task id);
   * past it, new ones get 503 `overloaded`. @default 4 * maxBodyBytes
   */
  maxUnverifiedBytes?: number | undefined;
  /**
   * Traces and metrics. `otel()` from `suno-callbacks/otel` records them with OpenTelemetry. @default off (no cost)
   * @example sunoCallbacks({ secret, telemetry: otel() })
   */
  /**
   * Deliver through BullMQ: each accepted callback is added to this queue before the 200 (job id = its dedupe key),
   * and workers (`sunoWorker` from `suno-callbacks/bullmq`) run the listeners with BullMQ's attempts and backoff.
   * Callback listeners then belong on a worker. Without a shared `store`, the queue dedupes by itself. See
   * docs/queue.md. @default none: listeners run in this process
   * @example sunoCallbacks({ secret, store: redisStore({ client }), queue: new Queue('suno-callbacks', { connection }) })
   */
  queue?: CallbackQueue | undefined;
  telemetry?: Telemetry | undefined;
  /**
   * Log refused requests: one `warn` line per error code and minute, saying what would fix it ("clock off by 912 s").
   * @default true
   */
  logRejections?: boolean | undefined;
  /**
   * Poll the provider for expected tasks (`suno.expect(taskId, { kind })`) whose final callback has not arrived in
   * time; see docs/reconcile.md. @default off
   * @example sunoCallbacks({ secret, reconcile: { apiKey: process.env.SUNO_API_KEY, baseUrl: 'https://api.sunoapi.org' } })
   */
  reconcile?: ReconcileOptions | undefined;
}

export interface ResolvedOptions {
  secrets: readonly string[];
  tokens: readonly string[];
  allowUnsigned: boolean;
  toleranceSeconds: number;
  path: string;
  store: DedupeStore;
  ownsStore: boolean;
  dedupeTtlMs: number;
  maxBodyBytes: number;
  retry: Required<Pick<RetryOptions, 'retries' | 'minTimeout' | 'factor'>> & RetryOptions;
  concurrency: number;
  maxPending: number;
  processBeforeAck: boolean;
  logger: Logger;
  storeTimeoutMs: number;
  listenerTimeoutMs: number;
  bodyTimeoutMs: number;
  maxUnverifiedBytes: number;
  /** How long a signature stays bound to its first use: twice the timestamp tolerance. */
  signatureTtlMs: number;
  telemetry: Telemetry;
  logRejections: boolean;
  queue: CallbackQueue | undefined;
  reconcile: ResolvedReconcile | undefined;
}

const noop = (): void => undefined;

export const defaultLogger: Logger = {
  debug: noop,
  info: (message, ...details) => console.info(message, ...details),
  warn: (message, ...details) => console.warn(message, ...details),
  error: (message, ...details) => console.error(message, ...details),
};

const OPTION_NAMES = [
  'secret',
  'token',
  'allowUnsigned',
  'toleranceSeconds',
  'path',
  'store',
  'dedupeTtlSeconds',
  'maxBodyBytes',
  'retry',
  'concurrency',
  'maxPending',
  'processBeforeAck',
  'logger',
  'storeTimeoutMs',
  'listenerTimeoutMs',
  'bodyTimeoutMs',
  'maxUnverifiedBytes',
  'telemetry',
  'logRejections',
  'queue',
  'reconcile',
] as const satisfies ReadonlyArray<keyof SunoCallbacksOptions>;

function stringList(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((item) => typeof item === 'string' && item.length > 0)) {
    throw new TypeError(
      `\`${name}\` must be a non-empty string or an array of non-empty strings; received ${received(value)}. ` +
        (name === 'secret' ? 'Is SUNO_WEBHOOK_SECRET set in the environment?' : ''),
    );
  }
  return list as string[];
}

function resolvePath(value: unknown): string {
  if (value === undefined) return '/suno/callback';
  if (typeof value !== 'string' || !value.startsWith('/') || /[?#:*]/.test(value)) {
    throw new TypeError(`\`path\` must be a plain path starting with "/" (no ":", "*", "?" or "#"); received ${received(value)}.`);
  }
  return value.length > 1 ? value.replace(/\/+$/, '') : value;
}

function resolveRetry(value: unknown): ResolvedOptions['retry'] {
  const defaults = { retries: 3, minTimeout: 500, factor: 2 };
  if (value === undefined) return defaults;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`\`retry\` must be an object of p-retry options; received ${received(value)}.`);
  }
  rejectUnknown('retry.', value, RETRY_OPTION_NAMES);
  const retry = value as RetryOptions;
  const resolved: ResolvedOptions['retry'] = {
    retries: numberOption('retry.retries', retry.retries, defaults.retries, 0),
    minTimeout: numberOption('retry.minTimeout', retry.minTimeout, defaults.minTimeout, 0),
    factor: numberOption('retry.factor', retry.factor, defaults.factor, 1, false),
  };
  if (retry.maxTimeout !== undefined) resolved.maxTimeout = numberOption('retry.maxTimeout', retry.maxTimeout, 0, 0);
  if (retry.maxRetryTime !== undefined) resolved.maxRetryTime = numberOption('retry.maxRetryTime', retry.maxRetryTime, 0, 0);
  if (retry.randomize !== undefined) resolved.randomize = booleanOption('retry.randomize', retry.randomize, false);
  return resolved;
}

function resolveLogger(value: unknown): Logger {
  if (value === undefined) return defaultLogger;
  const candidate = value as Partial<Record<keyof Logger, unknown>> | null;
  const methods = ['debug', 'info', 'warn', 'error'] as const;
  const missing = methods.filter((method) => typeof candidate?.[method] !== 'function');
  if (typeof value !== 'object' || missing.length > 0) {
    throw new TypeError(`\`logger\` must have debug, info, warn and error methods; missing ${missing.join(', ')}.`);
  }
  return value as Logger;
}

/** Validates every option once, in the factory; a mistake throws a `TypeError` that names the option. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`sunoCallbacks() takes an options object; received ${received(options)}.`);
  }
  rejectUnknown('', options, OPTION_NAMES);
  const raw = options as SunoCallbacksOptions;
  const secrets = stringList('secret', raw.secret);
  const tokens = stringList('token', raw.token);
  const allowUnsigned = booleanOption('allowUnsigned', raw.allowUnsigned, false);
  if (secrets.length === 0 && tokens.length === 0 && !allowUnsigned) {
    throw new TypeError(
      'sunoCallbacks() needs a way to authenticate callbacks: pass `secret` (the webhook HMAC key from your ' +
        'provider dashboard; is SUNO_WEBHOOK_SECRET set?), or `token` (a token query parameter in your callBackUrl). For local development only, ' +
        'pass `allowUnsigned: true`.',
    );
  }
  if (raw.store !== undefined) assertStore(raw.store);
  const logger = resolveLogger(raw.logger);
  const toleranceSeconds = numberOption('toleranceSeconds', raw.toleranceSeconds, 300, 1);
  const maxBodyBytes = numberOption('maxBodyBytes', raw.maxBodyBytes, 5 * 1024 * 1024, 1);
  const processBeforeAck = booleanOption('processBeforeAck', raw.processBeforeAck, false);
  const queue = resolveQueueOption(raw.queue, { processBeforeAck });
  return {
    secrets,
    tokens,
    allowUnsigned,
    toleranceSeconds,
    path: resolvePath(raw.path),
    store: raw.store ?? memoryStore(),
    ownsStore: raw.store === undefined,
    dedupeTtlMs: numberOption('dedupeTtlSeconds', raw.dedupeTtlSeconds, 86_400, 1) * 1000,
    maxBodyBytes,
    retry: resolveRetry(raw.retry),
    concurrency: numberOption('concurrency', raw.concurrency, 16, 1),
    maxPending: numberOption('maxPending', raw.maxPending, 1000, 1),
    processBeforeAck,
    logger,
    storeTimeoutMs: numberOption('storeTimeoutMs', raw.storeTimeoutMs, 5000, 1),
    listenerTimeoutMs: numberOption('listenerTimeoutMs', raw.listenerTimeoutMs, 30_000, 1),
    bodyTimeoutMs: numberOption('bodyTimeoutMs', raw.bodyTimeoutMs, 15_000, 1),
    maxUnverifiedBytes: numberOption('maxUnverifiedBytes', raw.maxUnverifiedBytes, 4 * maxBodyBytes, maxBodyBytes),
    // Past the tolerance the timestamp alone refuses a replay; twice covers clocks skewed either way.
    signatureTtlMs: 2 * toleranceSeconds * 1000,
    telemetry: resolveTelemetry(raw.telemetry),
    logRejections: booleanOption('logRejections', raw.logRejections, true),
    queue,
    reconcile: resolveReconcile(raw.reconcile),
  };
}
