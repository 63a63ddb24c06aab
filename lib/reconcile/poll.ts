import { isJsonObject } from '../classify.js';
import { retryAfterMs } from '../download/retry-after.js';
import { familyOf, type PollApi, type Reading } from './families.js';
import type { ResolvedReconcile } from './options.js';
import { salvageMarketAnswer } from './salvage.js';

/** What one poll found: a reading of the task, a reason to try again later, or an answer that is not JSON. */
export type PollOutcome =
  | Reading
  /** The request failed in a way worth retrying (429, 5xx, a network error); `retryAfterMs` from `Retry-After`. */
  | { state: 'retry'; reason: string; retryAfterMs?: number }
  /** A 200 answer that is not JSON and cannot be salvaged: handled like a malformed callback. */
  | { state: 'malformed'; raw: string };

/** The provider documents about 3 requests per second per task; stay a little under it. */
export const MIN_SPACING_MS = 350;
const REQUEST_TIMEOUT_MS = 15_000;
const PRUNE_ABOVE = 1000;
/** MIDI answers carry every note; bound what one answer may make us buffer. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;
/** Longest `Retry-After` honoured as asked; a longer one is capped (the give-up deadline still applies). */
const RETRY_AFTER_CAP_MS = 15 * 60 * 1000;

/** Spaces the requests for one task at least MIN_SPACING_MS apart (several pollers of one task share it). */
export class TaskSpacing {
  private readonly last = new Map<string, number>();

  async wait(taskId: string): Promise<void> {
    const now = Date.now();
    // A long-lived worker sees endless task ids: entries past their spacing mean nothing any more.
    if (this.last.size > PRUNE_ABOVE) {
      for (const [id, at] of this.last) if (at + MIN_SPACING_MS < now) this.last.delete(id);
    }
    const previous = this.last.get(taskId);
    const at = previous === undefined ? now : Math.max(now, previous + MIN_SPACING_MS);
    this.last.set(taskId, at);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }

  forget(taskId: string): void {
    this.last.delete(taskId);
  }
}

/** The details URL of one task; always under `baseUrl`, so the key goes nowhere else. */
export function detailsUrl(config: ResolvedReconcile, api: PollApi, kind: string): URL | undefined {
  const family = familyOf(api, kind);
  if (family === undefined) return undefined;
  const url = new URL(config.baseUrl.href);
  // A base URL may carry a path prefix (a proxy); `/` alone must not double the slash.
  url.pathname = `${config.baseUrl.pathname.replace(/\/+$/, '')}${family.path}`;
  return url;
}

async function readText(response: Response): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_ANSWER_BYTES) return undefined;
  const bytes = await response.arrayBuffer();
  if (bytes.byteLength > MAX_ANSWER_BYTES) return undefined;
  return new TextDecoder().decode(bytes);
}

/**
 * Asks the provider once about `taskId`. Never rejects: every failure is an outcome. The API key is sent as a Bearer
 * token to `baseUrl` only: redirects are not followed (a redirect could carry the header elsewhere).
 */
export async function pollOnce(
  config: ResolvedReconcile,
  taskId: string,
  kind: string,
  api: PollApi,
  spacing?: TaskSpacing,
): Promise<PollOutcome> {
  const family = familyOf(api, kind);
  const url = detailsUrl(config, api, kind);
  if (family === undefined || url === undefined) return { state: 'refused', code: 0, message: `no ${api} details endpoint for ${kind}` };
  url.searchParams.set('taskId', taskId);
  await spacing?.wait(taskId);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${config.apiKey}`, Accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    // The message of a network error names the host, never the headers.
    return { state: 'retry', reason: error instanceof Error ? error.message : String(error) };
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    const waitMs = retryAfterMs(response.headers.get('retry-after') ?? undefined, Date.now(), RETRY_AFTER_CAP_MS);
    if (response.status === 401 || response.status === 403) {
      return { state: 'refused', code: response.status, message: `HTTP ${response.status}: the API key was refused` };
    }
    const retry: PollOutcome = { state: 'retry', reason: `HTTP ${response.status}` };
    if (waitMs !== undefined) retry.retryAfterMs = waitMs;
    return retry;
  }
  let raw: string | undefined;
  try {
    raw = await readText(response);
  } catch (error) {
    return { state: 'retry', reason: `reading the answer failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (raw === undefined) return { state: 'retry', reason: `the answer is larger than ${MAX_ANSWER_BYTES} bytes` };
  let answer: unknown;
  try {
    answer = JSON.parse(raw);
  } catch {
    answer = api === 'market' ? salvageMarketAnswer(raw) : undefined;
    if (answer === undefined) return { state: 'malformed', raw };
  }
  if (!isJsonObject(answer)) return { state: 'malformed', raw };
  return family.read(answer, taskId);
}
