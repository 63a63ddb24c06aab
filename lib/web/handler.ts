import { isCallbackKind } from '../classify.js';
import type { SunoEventName, SunoListener } from '../events.js';
import { errorAnswer, type Answer } from '../answers.js';
import { ByteBudget } from '../byte-budget.js';
import { resolveOptions, type SunoCallbacksOptions } from '../options.js';
import { Pipeline, type CloseReport, type IncomingCredentials, type Receipt } from '../pipeline.js';
import { checkMediaTypeHeaders } from '../media-type.js';
import { matchRoute } from '../route.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../signature-core.js';
import { discardBody, readRequestBody } from './read-body.js';
import { webCrypto } from './web-crypto.js';
import { checkListener } from '../listener-checks.js';
import { rejectionLog } from '../rejection-log.js';
import { outcomeOf, type RequestTelemetry } from '../telemetry/telemetry.js';

/** What hosts such as Cloudflare Workers, Vercel and Supabase pass next to the request. */
export interface WebContext {
  /** Keeps the isolate alive until `promise` settles: the listeners run there after the answer. */
  waitUntil?(promise: Promise<unknown>): void;
}

export interface SunoWebOptions extends Omit<SunoCallbacksOptions, 'downloads' | 'path'> {
  /**
   * Answer only `POST {path}` and `POST {path}/:kind` (other paths get 404). Leave it out when the host routes to
   * the handler already (a Next.js route file, a Hono route): every request is then a callback, and a last path
   * segment that names a family (`.../cover`) is the kind hint. @default every path
   */
  path?: string | undefined;
}

/** The Web-standard receiver: a `fetch` handler with the Express middleware's listeners and shutdown. */
export interface SunoWebCallbacks {
  /** Answers one request; `ctx.waitUntil`, where the host has it, keeps the listeners running after the answer. */
  fetch(request: Request, ctx?: WebContext): Promise<Response>;
  /** Adds a listener; returns the instance so calls chain. */
  on<E extends SunoEventName>(name: E, listener: SunoListener<E>): SunoWebCallbacks;
  /** Removes a listener added with `on`. */
  off<E extends SunoEventName>(name: E, listener: SunoListener<E>): SunoWebCallbacks;
  /**
   * Stops accepting (503 `shutting_down`), waits for running listeners (at most `timeoutMs`), closes a store the
   * handler created. Resolves with what was left unfinished.
   */
  close(options?: { timeoutMs?: number }): Promise<CloseReport>;
  /** Callbacks accepted whose listeners have not finished yet. */
  readonly inFlight: number;
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
// `Connection` is the host's business in a fetch handler: Workers and Deno refuse or drop it.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

function toResponse(answer: Answer, extra?: Record<string, string>): Response {
  const headers: Record<string, string> = { ...JSON_HEADERS, ...extra };
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name] = value;
  }
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers });
}

/**
 * Path and query of `request.url`, which the Request constructor has already parsed and serialised: slicing that
 * string gives what `new URL()` would, without building a URL object per request.
 */
function splitUrl(url: string): { pathname: string; query: string } {
  const scheme = url.indexOf('://');
  const start = scheme === -1 ? -1 : url.indexOf('/', scheme + 3);
  if (start === -1) return { pathname: '/', query: '' };
  let end = url.indexOf('#', start);
  if (end === -1) end = url.length;
  const question = url.indexOf('?', start);
  if (question === -1 || question > end) return { pathname: url.slice(start, end), query: '' };
  return { pathname: url.slice(start, question), query: url.slice(question + 1, end) };
}

function lastSegmentHint(pathname: string): string | undefined {
  const trimmed = pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  const segment = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return isCallbackKind(segment) ? segment : undefined;
}

/**
 * Creates the Web-standard receiver of Suno callbacks, for hosts without Express: Next.js route handlers, Hono,
 * Bun, Deno and Supabase Edge Functions, Cloudflare Workers, AWS Lambda. The same options, answers, events and stores
 * as the Express middleware; nothing in it needs a `node:` module.
 *
 * @example
 * const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET });
 * suno.on('cover-ready', async (event) => saveImages(event.taskId, event.images));
 * export const POST = (request: Request) => suno.fetch(request);
 */
export function sunoCallbacks(options?: SunoWebOptions): SunoWebCallbacks {
  const { path: rawPath, ...shared } = (options ?? {}) as SunoWebOptions & { downloads?: unknown };
  if (shared.downloads !== undefined) {
    throw new TypeError(
      '`downloads` is not available in suno-callbacks/web: it writes files with node:fs. In a Node process use the ' +
        'Express door, or add downloadListener from suno-callbacks/download as a `callback` listener.',
    );
  }
  const resolved = resolveOptions(rawPath === undefined ? shared : { ...shared, path: rawPath });
  const pipeline = new Pipeline(resolved, webCrypto(resolved.secrets));
  const basePath = resolved.path;
  const prefix = basePath === '/' ? '/' : `${basePath}/`;
  const { logger } = resolved;
  const limits = { maxBytes: resolved.maxBodyBytes, timeoutMs: resolved.bodyTimeoutMs, budget: new ByteBudget(resolved.maxUnverifiedBytes) };

  if (resolved.store.init !== undefined) {
    pipeline.start().catch((error: unknown) => logger.error('[suno-callbacks] store init failed; will retry', error));
  }

  /** An answer given before the body was read: the body is let go, and listeners hear of the refusal. */
  function refuseEarly(request: Request, answer: Answer, traced: RequestTelemetry, extra?: Record<string, string>): Response {
    discardBody(request);
    return respond(pipeline.rejectBeforeBody(answer).answer, traced, extra);
  }

  /** The answer as a Response; the request's telemetry learns its outcome. */
  function respond(answer: Answer, traced: RequestTelemetry, extra?: Record<string, string>): Response {
    traced.end(outcomeOf(answer.body));
    return toResponse(answer, extra);
  }

  async function handle(request: Request, ctx: WebContext | undefined, traced: RequestTelemetry): Promise<Response> {
    const url = splitUrl(request.url);
    let kindHint: string | undefined;
    if (rawPath === undefined) {
      kindHint = lastSegmentHint(url.pathname);
    } else {
      const route = matchRoute(url.pathname, basePath, prefix);
      if (route === undefined) {
        discardBody(request);
        return respond(errorAnswer(404, 'not_found', `Callbacks are received on ${basePath}.`), traced);
      }
      kindHint = route.hint;
    }
    if (request.method !== 'POST') {
      return refuseEarly(request, errorAnswer(405, 'method_not_allowed', 'Callbacks must be sent with POST.'), traced, { Allow: 'POST' });
    }
    const unsupported = checkMediaTypeHeaders(request.headers.get('content-type'), request.headers.get('content-encoding'));
    if (unsupported !== undefined) return refuseEarly(request, unsupported, traced);
    const credentials: IncomingCredentials = {
      timestamp: request.headers.get(TIMESTAMP_HEADER) ?? undefined,
      signature: request.headers.get(SIGNATURE_HEADER) ?? undefined,
      token: url.query === '' ? undefined : (new URLSearchParams(url.query).get('token') ?? undefined),
    };
    // The token and the signature headers (present, fresh, well formed), before a byte of the body is read.
    const early = pipeline.checkBeforeBody(credentials);
    if (early !== undefined) {
      discardBody(request);
      return respond(early.answer, traced);
    }

    const read = await readRequestBody(request, limits);
    if (!(read.result instanceof Uint8Array)) return respond(pipeline.rejectBeforeBody(read.result).answer, traced);
    let receipt: Receipt;
    try {
      receipt = await pipeline.receive({ ...credentials, body: { type: 'bytes', bytes: read.result }, kindHint, telemetry: traced });
    } finally {
      read.release();
    }
    const { dispatch } = receipt;
    if (dispatch !== undefined) {
      // Started on the next turn, as the Express door starts them after writing: a listener's synchronous work never
      // delays the answer. The promise is the host's to wait for; it never rejects.
      const running = new Promise((resolve) => setTimeout(resolve, 0)).then(dispatch);
      ctx?.waitUntil?.(running);
    }
    return respond(receipt.answer, traced);
  }

  const handler: SunoWebCallbacks = {
    fetch(request, ctx) {
      return resolved.telemetry.request(async (traced) => {
        let response: Response;
        try {
          response = await handle(request, ctx, traced);
        } catch (error) {
          // Reached only by a bug: answer something the sender retries.
          logger.error('[suno-callbacks] unexpected error while receiving a callback', error);
          response = refuseEarly(request, errorAnswer(503, 'internal_error', 'The receiver failed unexpectedly; retry later.'), traced);
        }
        return response;
      });
    },
    on(name, listener) {
      checkListener('on', name, listener);
      pipeline.dispatcher.on(name, listener);
      return handler;
    },
    off(name, listener) {
      pipeline.dispatcher.off(name, listener);
      return handler;
    },
    close: (closeOptions) => pipeline.close(closeOptions?.timeoutMs),
    get inFlight() {
      return pipeline.inFlight;
    },
  };
  if (resolved.logRejections) handler.on('rejected', rejectionLog(logger));
  return handler;
}
