import type { IncomingMessage, ServerResponse } from 'node:http';
import { DUPLICATE, RECEIVED, errorAnswer, type Answer } from './answers.js';
import { checkMediaType, drainAfterAnswer, readBody } from './body.js';
import { ByteBudget } from './byte-budget.js';
import { assertWebSideListener } from './bullmq/queue-option.js';
import type { SunoEventName, SunoListener } from './events.js';
import { checkListener } from './listener-checks.js';
import { mountCheck } from './mount-check.js';
import { rejectionLog } from './rejection-log.js';
import { outcomeOf, type RequestTelemetry } from './telemetry/telemetry.js';
import { resolveOptions, type SunoCallbacksOptions } from './options.js';
import { matchRoute } from './route.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, nodeCrypto } from './signature.js';
import { Pipeline, type CloseReport, type IncomingCallback, type IncomingCredentials, type Receipt } from './pipeline.js';
import { startReconciler } from './reconcile/start.js';
import type { ExpectOptions } from './reconcile/reconciler.js';
import type { ExpectQueue } from './reconcile/queue-scheduler.js';

type Request = IncomingMessage & { body?: unknown; path?: string };
type Next = (error?: unknown) => void;

/** The middleware, with the methods that wire listeners and stop it. */
export interface SunoCallbacks {
  (req: IncomingMessage, res: ServerResponse, next: Next): void;
  /** Adds a listener; returns the instance so calls chain. */
  on<E extends SunoEventName>(name: E, listener: SunoListener<E>): SunoCallbacks;
  /** Removes a listener added with `on`. */
  off<E extends SunoEventName>(name: E, listener: SunoListener<E>): SunoCallbacks;
  /**
   * Stops accepting (new callbacks get 503 `shutting_down`), waits for running listeners (at most `timeoutMs`), and
   * closes the store if the middleware created it. Resolves with what was left unfinished.
   * @example process.on('SIGTERM', () => suno.close({ timeoutMs: 10_000 }).then(() => server.close()));
   */
  close(options?: { timeoutMs?: number }): Promise<CloseReport>;
  /**
   * Expects the final callback of a task you just submitted. If it has not been processed after
   * `reconcile.afterSeconds`, the provider's details endpoint is polled, and a finished task produces the event its
   * callback would have (once, whichever comes first); after `reconcile.giveUpAfterSeconds`, `task-timeout`.
   * Needs the `reconcile` option.
   * @example await suno.expect(taskId, { kind: 'music' });
   */
  expect(taskId: string, options: ExpectOptions): Promise<void>;
  /** Callbacks accepted whose listeners have not finished yet. */
  readonly inFlight: number;
  /** The path callbacks arrive on, relative to where the middleware is mounted. */
  readonly path: string;
}

// The two answers nearly every request gets, serialised once.
const PRECOMPUTED = new Map<Answer['body'], string>(
  [RECEIVED, DUPLICATE].map((answer) => [answer.body, JSON.stringify(answer.body)]),
);

function send(res: ServerResponse, answer: Answer, request: RequestTelemetry): void {
  let text = PRECOMPUTED.get(answer.body);
  if (text === undefined) text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...answer.headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
  request.end(outcomeOf(answer.body));
}

function pathOf(req: Request): string {
  // Express sets `req.path` relative to the mount point; plain Node servers only have `req.url`.
  if (typeof req.path === 'string') return req.path;
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function queryToken(req: Request): string | undefined {
  const url = req.url ?? '';
  const start = url.indexOf('?');
  if (start === -1) return undefined;
  const token = new URLSearchParams(url.slice(start + 1)).get('token');
  return token ?? undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function credentialsOf(req: Request): IncomingCredentials {
  return { timestamp: header(req, TIMESTAMP_HEADER), signature: header(req, SIGNATURE_HEADER), token: queryToken(req) };
}

/**
 * Creates the middleware that receives Suno callbacks. Mount it with `app.use(suno)`; it answers
 * `POST {path}` and `POST {path}/:kind` and passes every other request on.
 *
 * @example
 * const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET });
 * app.use(suno);
 * suno.on('cover-ready', async (event) => saveImages(event.taskId, event.images));
 */
export function sunoCallbacks(options?: SunoCallbacksOptions): SunoCallbacks {
  const resolved = resolveOptions(options);
  const pipeline = new Pipeline(resolved, nodeCrypto(resolved.secrets));
  const basePath = resolved.path;
  const prefix = basePath === '/' ? '/' : `${basePath}/`;
  const { logger, telemetry } = resolved;
  const checkMount = mountCheck(basePath, (path) => matchRoute(path, basePath, prefix) !== undefined, logger);
  const limits = { maxBytes: resolved.maxBodyBytes, timeoutMs: resolved.bodyTimeoutMs, budget: new ByteBudget(resolved.maxUnverifiedBytes) };

  if (resolved.store.init !== undefined) {
    pipeline.start().catch((error: unknown) => logger.error('[suno-callbacks] store init failed; will retry', error));
  }

  /** Answers before the body was read, then drains what the sender still sends. */
  function refuseEarly(req: Request, res: ServerResponse, answer: Answer, request: RequestTelemetry): void {
    send(res, pipeline.rejectBeforeBody(answer).answer, request);
    drainAfterAnswer(req, res);
  }

  async function handle(
    req: Request,
    res: ServerResponse,
    kindHint: string | undefined,
    request: RequestTelemetry,
  ): Promise<void> {
    const unsupported = checkMediaType(req);
    if (unsupported !== undefined) {
      refuseEarly(req, res, unsupported, request);
      return;
    }
    const credentials = credentialsOf(req);
    const early = pipeline.checkBeforeBody(credentials);
    if (early !== undefined) {
      send(res, early.answer, request);
      drainAfterAnswer(req, res);
      return;
    }
    const read = await readBody(req, limits);
    if ('status' in read.result) {
      refuseEarly(req, res, read.result, request);
      return;
    }
    const incoming: IncomingCallback = { ...credentials, body: read.result, kindHint, telemetry: request };
    let receipt: Receipt;
    try {
      receipt = await pipeline.receive(incoming);
    } finally {
      read.release();
    }
    try {
      send(res, receipt.answer, request);
    } finally {
      // The callback is recorded: its listeners run even if the answer could not be written (another middleware
      // already answered, the socket closed), or it would be held as seen and never processed.
      void receipt.dispatch?.();
    }
  }

  const middleware = ((req: Request, res: ServerResponse, next: Next): void => {
    const route = matchRoute(pathOf(req), basePath, prefix);
    if (route === undefined) {
      checkMount(req);
      next();
      return;
    }
    const kindHint = route.hint;
    telemetry.request((request) => {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        const refusal = errorAnswer(405, 'method_not_allowed', 'Callbacks must be sent with POST.');
        send(res, pipeline.rejectBeforeBody(refusal).answer, request);
        return;
      }
      handle(req, res, kindHint, request).catch((error: unknown) => {
        // Reached only by a bug: answer something the sender retries, and keep the process alive.
        logger.error('[suno-callbacks] unexpected error while receiving a callback', error);
        if (!res.headersSent) {
          const internal = errorAnswer(503, 'internal_error', 'The receiver failed unexpectedly; retry later.');
          send(res, pipeline.rejectBeforeBody(internal).answer, request);
        }
      });
    });
  }) as SunoCallbacks;

  Object.defineProperties(middleware, {
    inFlight: { get: () => pipeline.inFlight },
    path: { value: basePath },
  });
  middleware.on = (name, listener) => {
    checkListener('on', name, listener);
    if (resolved.queue !== undefined) assertWebSideListener(name);
    pipeline.dispatcher.on(name, listener);
    return middleware;
  };
  middleware.off = (name, listener) => {
    pipeline.dispatcher.off(name, listener);
    return middleware;
  };
  // With a queue, expectations are BullMQ delayed jobs: they outlive this process and run on any worker.
  const reconciler = startReconciler(resolved, pipeline, resolved.queue as ExpectQueue | undefined);
  middleware.expect = async (taskId, expectOptions) => {
    if (reconciler === undefined) {
      throw new TypeError('expect() needs the `reconcile` option: sunoCallbacks({ reconcile: { apiKey, baseUrl } }).');
    }
    await reconciler.expect(taskId, expectOptions);
  };
  // Expectations stop first: a poll under way finishes (and is handed over) before the pipeline drains its listeners.
  middleware.close = async (closeOptions) => {
    await reconciler?.close();
    return pipeline.close(closeOptions?.timeoutMs);
  };
  if (resolved.logRejections) middleware.on('rejected', rejectionLog(logger));

  return middleware;
}
