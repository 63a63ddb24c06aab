import { assertStore, type DedupeStore } from './store.js';
import { memoryStore } from './stores/memory.js';

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
   * Durable stores only: a callback saved but not finished after this long is taken to belong to a dead process and
   * is dispatched again by `recover()`. Keep it above your slowest listener's total retry time. @default 600
   */
  leaseSeconds?: number | undefined;
  /** Durable stores only: run `recover()` once when the middleware starts. @default true */
  recoverOnStart?: boolean | undefined;
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
  leaseMs: number;
  recoverOnStart: boolean;
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
  'leaseSeconds',
  'recoverOnStart',
] as const satisfies ReadonlyArray<keyof SunoCallbacksOptions>;

const RETRY_OPTION_NAMES = ['retries', 'minTimeout', 'maxTimeout', 'factor', 'randomize', 'maxRetryTime'] as const;

function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string`;
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value;
}

function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= right.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? Math.max(a.length, b.length);
}

function suggestion(name: string, known: readonly string[]): string {
  // A shortened name ("tolerance" for "toleranceSeconds") is the likeliest slip, whatever the edit distance.
  const lower = name.toLowerCase();
  const extended = known.find((candidate) => candidate.toLowerCase().startsWith(lower) && lower.length >= 4);
  if (extended !== undefined) return ` Did you mean \`${extended}\`?`;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const closeEnough = best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 2));
  return closeEnough ? ` Did you mean \`${best}\`?` : '';
}

function rejectUnknown(prefix: string, object: object, known: readonly string[]): void {
  for (const name of Object.keys(object)) {
    if (!known.includes(name)) {
      throw new TypeError(`Unknown option \`${prefix}${name}\`.${suggestion(name, known)}`);
    }
  }
}

function number(name: string, value: unknown, fallback: number, min: number, integer = true): number {
  if (value === undefined) return fallback;
  const valid = typeof value === 'number' && Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value));
  if (!valid) {
    throw new TypeError(
      `\`${name}\` must be ${integer ? 'an integer' : 'a number'} of at least ${min}; received ${received(value)}.`,
    );
  }
  return value;
}

function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`\`${name}\` must be true or false; received ${received(value)}.`);
  return value;
}

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
    retries: number('retry.retries', retry.retries, defaults.retries, 0),
    minTimeout: number('retry.minTimeout', retry.minTimeout, defaults.minTimeout, 0),
    factor: number('retry.factor', retry.factor, defaults.factor, 1, false),
  };
  if (retry.maxTimeout !== undefined) resolved.maxTimeout = number('retry.maxTimeout', retry.maxTimeout, 0, 0);
  if (retry.maxRetryTime !== undefined) resolved.maxRetryTime = number('retry.maxRetryTime', retry.maxRetryTime, 0, 0);
  if (retry.randomize !== undefined) resolved.randomize = boolean('retry.randomize', retry.randomize, false);
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
  const allowUnsigned = boolean('allowUnsigned', raw.allowUnsigned, false);
  if (secrets.length === 0 && tokens.length === 0 && !allowUnsigned) {
    throw new TypeError(
      'sunoCallbacks() needs a way to authenticate callbacks: pass `secret` (the webhook HMAC key from your ' +
        'provider dashboard; is SUNO_WEBHOOK_SECRET set?), or `token` (a token query parameter in your callBackUrl). For local development only, ' +
        'pass `allowUnsigned: true`.',
    );
  }
  if (raw.store !== undefined) assertStore(raw.store);
  const logger = resolveLogger(raw.logger);
  return {
    secrets,
    tokens,
    allowUnsigned,
    toleranceSeconds: number('toleranceSeconds', raw.toleranceSeconds, 300, 1),
    path: resolvePath(raw.path),
    store: raw.store ?? memoryStore(),
    ownsStore: raw.store === undefined,
    dedupeTtlMs: number('dedupeTtlSeconds', raw.dedupeTtlSeconds, 86_400, 1) * 1000,
    maxBodyBytes: number('maxBodyBytes', raw.maxBodyBytes, 5 * 1024 * 1024, 1),
    retry: resolveRetry(raw.retry),
    concurrency: number('concurrency', raw.concurrency, 16, 1),
    maxPending: number('maxPending', raw.maxPending, 1000, 1),
    processBeforeAck: boolean('processBeforeAck', raw.processBeforeAck, false),
    logger,
    storeTimeoutMs: number('storeTimeoutMs', raw.storeTimeoutMs, 5000, 1),
    leaseMs: number('leaseSeconds', raw.leaseSeconds, 600, 0, false) * 1000,
    recoverOnStart: boolean('recoverOnStart', raw.recoverOnStart, true),
  };
}
