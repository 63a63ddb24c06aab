import { numberOption, received, rejectUnknown } from '../option-checks.js';

/**
 * Polling for tasks whose callback is missing. Call `suno.expect(taskId, { kind })` after submitting a task; if its
 * final callback has not been processed after `afterSeconds`, the provider's details endpoint is polled.
 *
 * @example
 * sunoCallbacks({ secret, reconcile: { apiKey: process.env.SUNO_API_KEY, baseUrl: 'https://api.sunoapi.org' } })
 */
export interface ReconcileOptions {
  /** The provider API key, sent as `Authorization: Bearer` to `baseUrl` and nowhere else. Never logged. */
  apiKey: string;
  /** `https://api.sunoapi.org` or `https://api.kie.ai` (any http(s) URL, for tests and proxies). */
  baseUrl: string;
  /** Seconds after `expect()` before the first poll, if the final callback has not arrived. @default 300 */
  afterSeconds?: number | undefined;
  /** Seconds between two polls of a task that is still running. @default 60 */
  everySeconds?: number | undefined;
  /** Seconds after `expect()` when a task that neither called back nor finished gives `task-timeout`. @default 3600 */
  giveUpAfterSeconds?: number | undefined;
}

export interface ResolvedReconcile {
  apiKey: string;
  /** Normalised, without a trailing slash. */
  baseUrl: URL;
  afterMs: number;
  everyMs: number;
  giveUpMs: number;
}

const NAMES = ['apiKey', 'baseUrl', 'afterSeconds', 'everySeconds', 'giveUpAfterSeconds'] as const satisfies ReadonlyArray<
  keyof ReconcileOptions
>;

/** Validates the `reconcile` option once, in the factory; `undefined` when reconciliation is off. */
export function resolveReconcile(value: unknown): ResolvedReconcile | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`\`reconcile\` must be an object ({ apiKey, baseUrl, ... }); received ${received(value)}.`);
  }
  rejectUnknown('reconcile.', value, NAMES);
  const raw = value as Partial<ReconcileOptions>;
  if (typeof raw.apiKey !== 'string' || raw.apiKey.trim() === '') {
    throw new TypeError(
      `\`reconcile.apiKey\` must be a non-empty string (your provider API key; is SUNO_API_KEY set?); received ${received(raw.apiKey)}.`,
    );
  }
  let baseUrl: URL | undefined;
  try {
    baseUrl = typeof raw.baseUrl === 'string' ? new URL(raw.baseUrl) : undefined;
  } catch {
    baseUrl = undefined;
  }
  if (baseUrl === undefined || (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:')) {
    throw new TypeError(
      `\`reconcile.baseUrl\` must be an http(s) URL such as "https://api.sunoapi.org" or "https://api.kie.ai"; received ${received(raw.baseUrl)}.`,
    );
  }
  // Credentials in the URL would travel with every request and show up in logs of the URL.
  if (baseUrl.username !== '' || baseUrl.password !== '') {
    throw new TypeError('`reconcile.baseUrl` must not contain credentials; pass the key as `reconcile.apiKey`.');
  }
  const afterSeconds = numberOption('reconcile.afterSeconds', raw.afterSeconds, 300, 1, false);
  const everySeconds = numberOption('reconcile.everySeconds', raw.everySeconds, 60, 1, false);
  const giveUpAfterSeconds = numberOption('reconcile.giveUpAfterSeconds', raw.giveUpAfterSeconds, 3600, 1, false);
  if (giveUpAfterSeconds < afterSeconds) {
    throw new TypeError(
      `\`reconcile.giveUpAfterSeconds\` (${giveUpAfterSeconds}) must be at least \`reconcile.afterSeconds\` (${afterSeconds}).`,
    );
  }
  baseUrl.pathname = baseUrl.pathname.replace(/\/+$/, '');
  baseUrl.search = '';
  baseUrl.hash = '';
  return {
    apiKey: raw.apiKey,
    baseUrl,
    afterMs: afterSeconds * 1000,
    everyMs: everySeconds * 1000,
    giveUpMs: giveUpAfterSeconds * 1000,
  };
}
