import { DUPLICATE, RECEIVED, errorAnswer, type Answer } from './answers.js';
import { isCallbackKind, isJsonObject, type CallbackKind, type JsonObject } from './classify.js';
import { QueueDelivery, type ClaimForQueue } from './bullmq/queue-delivery.js';
import { Dispatcher } from './dispatcher.js';
import { signatureUse, type BodyForDigest } from './fingerprint.js';
import { GuardedStore } from './guarded-store.js';
import { InProcessDelivery, type CloseReport } from './in-process-delivery.js';
import { identify, prepareValidators, type CallbackBody, type Interpreted } from './interpret.js';
import type { Accepted } from './normalize.js';
import type { ResolvedOptions } from './options.js';
import type { AnswerCode } from './answer-codes.js';
import type { RejectedEvent } from './events.js';
import { rejectionHint, type RejectionDetail } from './rejection-hints.js';
import type { RequestTelemetry } from './telemetry/telemetry.js';
import { parseBody } from './parse-body.js';
import { checkSignatureHeaders, checkSignatureWith, tokenMatches, type PlatformCrypto } from './signature-core.js';

export type { Answer } from './answers.js';
export type { CloseReport } from './in-process-delivery.js';

/** The body as the HTTP layer found it: raw bytes, text left by a text parser, or a value a JSON parser produced. */
export type IncomingBody =
  | { type: 'bytes'; bytes: Uint8Array }
  | { type: 'text'; text: string }
  | { type: 'parsed'; value: unknown };

/** What authenticates a request, all of it readable before the body. */
export interface IncomingCredentials {
  timestamp: string | undefined;
  signature: string | undefined;
  token: string | undefined;
}

export interface IncomingCallback extends IncomingCredentials {
  body: IncomingBody;
  /** The `:kind` segment of the path, if any. */
  kindHint: string | undefined;
  /** Told the callback's kind, task and stage once they are known. */
  telemetry?: RequestTelemetry | undefined;
}

export interface Receipt {
  answer: Answer;
  /**
   * Starts the listeners; the HTTP layer calls it right after writing the answer. The promise settles (never rejects)
   * when they are done: the web door hands it to the host's `waitUntil`.
   */
  dispatch?: () => Promise<unknown>;
}

/** Bodies nested deeper than this are refused: no documented callback comes close. */
export const MAX_DEPTH = 32;
/** Provider task ids are 32 hex characters; a bound keeps keys within what every store can index. */
export const MAX_TASK_ID_LENGTH = 256;
/** Control characters (NUL among them) are no part of a real task id, and some stores refuse them outright. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

const RECEIVED_RECEIPT: Receipt = { answer: RECEIVED };
const DUPLICATE_RECEIPT: Receipt = { answer: DUPLICATE };

/**
 * True when an object or array sits deeper than MAX_DEPTH inside `value` (itself at `depth`). The recursion stops at
 * MAX_DEPTH, so it cannot overflow the stack. It allocates nothing: copying every object's values (Object.values)
 * and stacking [value, depth] pairs took as long as JSON.parse itself on a 2 MB MIDI body.
 */
export function tooDeep(value: object, depth = 1): boolean {
  if (depth > MAX_DEPTH) return true;
  if (Array.isArray(value)) {
    for (const child of value as unknown[]) {
      if (typeof child === 'object' && child !== null && tooDeep(child, depth + 1)) return true;
    }
    return false;
  }
  // JSON.parse makes plain objects with own properties only, which is all for...in sees on them.
  for (const key in value) {
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && tooDeep(child, depth + 1)) return true;
  }
  return false;
}

/** The body as the signature binding hashes it: the bytes received, or what a parser made of them. */
function digestible(body: IncomingBody): BodyForDigest {
  if (body.type === 'bytes') return body.bytes;
  if (body.type === 'text') return body.text;
  return JSON.stringify(body.value) ?? '';
}

/**
 * The framework-free core: authenticate, classify, validate, dedupe, acknowledge, hand over for delivery. The doors
 * (Express, Web-standard) only read the body and write the answer.
 */
export class Pipeline {
  readonly dispatcher: Dispatcher;
  readonly store: GuardedStore;
  readonly delivery: InProcessDelivery;
  /** With the `queue` option: accepted callbacks go to the queue before the answer, and workers run the listeners. */
  private readonly queued: QueueDelivery | undefined;
  private closing = false;
  private closed: Promise<CloseReport> | undefined;

  /** `crypto` computes the HMAC and the digests: node:crypto in the Express door, Web Crypto in the web door. */
  constructor(
    private readonly options: ResolvedOptions,
    private readonly crypto: PlatformCrypto,
  ) {
    prepareValidators();
    this.dispatcher = new Dispatcher(options.retry, options.concurrency, options.logger, options.listenerTimeoutMs, options.telemetry);
    this.store = new GuardedStore(options.store, options.storeTimeoutMs, (error) => this.dispatcher.notify('error', error));
    this.delivery = new InProcessDelivery(this.dispatcher, this.store, options.maxPending, options.logger);
    this.queued =
      options.queue === undefined
        ? undefined
        : new QueueDelivery(options.queue, { timeoutMs: options.storeTimeoutMs, dedupeTtlMs: options.dedupeTtlMs }, (error) =>
            this.dispatcher.notify('error', error),
          );
    if (options.allowUnsigned && options.secrets.length === 0 && options.tokens.length === 0) {
      options.logger.warn(
        '[suno-callbacks] allowUnsigned is on: callbacks are accepted without authentication. Use it only in development.',
      );
    }
  }

  /** Initialises the store once; a failed init is tried again by the next request. */
  start(): Promise<void> {
    return this.store.start();
  }

  /**
   * Everything that can be decided before reading the body: shutting down, the token, and the signature headers.
   * A door calls it first, so that a stranger is refused before the server buffers a byte of what it sends.
   */
  checkBeforeBody(credentials: IncomingCredentials, trusted = false): Receipt | undefined {
    const options = this.options;
    if (this.closing) return this.reject(503, 'shutting_down', 'The receiver is shutting down; retry later.');
    if (trusted) return undefined;
    // With both configured, both are required: the token then guards the path and the signature the task.
    if (options.tokens.length > 0) {
      if (credentials.token === undefined || !tokenMatches(credentials.token, options.tokens)) {
        return this.reject(401, 'invalid_token', 'The token query parameter is missing or wrong.');
      }
    }
    if (options.secrets.length > 0) {
      const refused = checkSignatureHeaders({ ...credentials, toleranceSeconds: options.toleranceSeconds });
      if (refused !== undefined) {
        return this.reject(401, refused.error, refused.message, undefined, { skewSeconds: refused.skewSeconds });
      }
    }
    return undefined;
  }

  /** Observers of every accepted (claimed) callback, e.g. reconciliation cancelling what it expected. */
  readonly acceptedObservers = new Set<(accepted: Accepted) => void>();

  /**
   * Accepts a body that needs no authentication because it did not come from the network's sender: the provider's own
   * API answered it to our key (reconciliation by polling). It takes the same path as a callback after authentication
   * (classification, validation, the same dedupe key, delivery), so a poll and its callback give one event.
   */
  async acceptTrusted(body: IncomingBody, kindHint: string | undefined): Promise<Answer> {
    const receipt = await this.receive({ body, kindHint, timestamp: undefined, signature: undefined, token: undefined }, true);
    receipt.dispatch?.();
    return receipt.answer;
  }

  async receive(incoming: IncomingCallback, trusted = false): Promise<Receipt> {
    const options = this.options;
    const early = this.checkBeforeBody(incoming, trusted);
    if (early !== undefined) return early;

    const parsed = parseBody(incoming.body);
    if ('error' in parsed && parsed.error === 'empty') return this.reject(400, 'invalid_json', 'The body is empty.');
    // Text only when it is not valid JSON (a parsed JSON string is no callback).
    const invalidJson = 'error' in parsed;
    if (!invalidJson) {
      if (!isJsonObject(parsed.value)) return this.reject(400, 'invalid_payload', 'The body must be a JSON object.');
      if (tooDeep(parsed.value)) return this.reject(400, 'invalid_payload', `The body is nested deeper than ${MAX_DEPTH} levels.`);
    }
    const body: CallbackBody = invalidJson ? parsed.text : (parsed.value as JsonObject);

    const hint = incoming.kindHint !== undefined && isCallbackKind(incoming.kindHint) ? incoming.kindHint : undefined;
    // Identified before authentication (the signature covers the task id): identify() is one bounded pass.
    const classified = identify(body, hint, { invalidJson });
    if (classified === undefined) {
      if (invalidJson) return this.reject(400, 'invalid_json', 'The body is not valid JSON and has no task id.');
      return this.reject(400, 'missing_task_id', 'No task id in data.task_id, data.taskId, taskId or task_id.');
    }
    const { kind, stage, taskId, key } = classified;
    // Checked before any store sees the id: every store must refuse the same ids the same way.
    if (taskId.length > MAX_TASK_ID_LENGTH) {
      return this.reject(400, 'invalid_payload', `The task id is longer than ${MAX_TASK_ID_LENGTH} characters.`);
    }
    if (CONTROL_CHARACTER.test(taskId)) {
      return this.reject(400, 'invalid_payload', 'The task id contains control characters.');
    }

    if (options.secrets.length > 0 && !trusted) {
      const checking = checkSignatureWith(this.crypto.verifier, {
        taskId,
        timestamp: incoming.timestamp,
        signature: incoming.signature,
        toleranceSeconds: options.toleranceSeconds,
      });
      // Awaited only when asynchronous (Web Crypto): the Express door's check stays on this tick.
      const check = checking instanceof Promise ? await checking : checking;
      if (!check.ok) return this.reject(401, check.error, check.message, undefined, { skewSeconds: check.skewSeconds });
    }

    // Warned only for authentic callbacks, so that strangers cannot fill the log.
    if (incoming.kindHint !== undefined && hint === undefined) {
      options.logger.warn(`[suno-callbacks] ignoring unknown kind "${incoming.kindHint.slice(0, 40)}" in the path`);
    }
    // The schema is checked when the event is built (buildEvent, at delivery): an authentic body that fails it is
    // answered 200 and reported as `unrecognized`, since a refused authentic callback is lost.

    const using =
      options.secrets.length > 0 && !trusted
        ? signatureUse(this.crypto.sha256, taskId, incoming.timestamp ?? '', incoming.signature ?? '', key, digestible(incoming.body), options.signatureTtlMs)
        : undefined;
    const use = using instanceof Promise ? await using : using;
    // Web Crypto may have been awaited above: close() may have begun meanwhile, and no slot holds it back yet.
    if (this.closing) return this.reject(503, 'shutting_down', 'The receiver is shutting down; retry later.');
    if (this.delivery.full) return this.reject(503, 'overloaded', 'Too many callbacks in progress; retry later.');
    const accepted: Accepted = {
      kind: kind ?? 'unknown',
      stage,
      taskId,
      code: classified.code,
      key,
      receivedAt: new Date(),
      body: typeof body === 'string' ? (classified.parsed ?? {}) : body,
    };
    if (typeof body === 'string') accepted.raw = body;
    incoming.telemetry?.identify(accepted);
    const interpreted: Interpreted = { identified: classified, body };

    this.delivery.reserve();
    const claim = await this.store.claim(key, options.dedupeTtlMs, use, () => this.adoptLateClaim(accepted, interpreted, hint));
    if (this.queued !== undefined && (claim === 'claimed' || claim === 'duplicate')) {
      return this.enqueue(this.queued, accepted, interpreted, hint, claim === 'claimed');
    }
    if (claim !== 'claimed') {
      this.delivery.unreserve();
      if (claim === 'unavailable') return this.reject(503, 'store_unavailable', 'The dedupe store is unavailable; retry later.');
      if (claim === 'replayed') {
        return this.reject(401, 'replayed_signature', 'This signature was already used for another callback.');
      }
      if (options.processBeforeAck && this.delivery.isRunning(key)) {
        // The first delivery's listeners are still running and may yet fail (500, key released). Answering this one
        // "duplicate" would end the provider's retries for a callback that then never succeeds.
        return this.reject(503, 'in_progress', 'This callback is being processed; retry later.');
      }
      this.dispatcher.notify('duplicate', { key, kind: accepted.kind, taskId, stage, receivedAt: accepted.receivedAt });
      return DUPLICATE_RECEIPT;
    }

    for (const observe of this.acceptedObservers) observe(accepted);
    if (options.processBeforeAck) {
      const succeeded = await this.delivery.run(accepted, interpreted);
      if (!succeeded) return this.reject(500, 'handler_failed', 'A listener failed; the callback can be redelivered.');
      return RECEIVED_RECEIPT;
    }
    return { answer: RECEIVED, dispatch: () => this.delivery.run(accepted, interpreted) };
  }

  /**
   * The store answered "claimed" after the sender had been told 503: this instance owns the key, so it processes the
   * callback, and the sender's retry is rightly a duplicate.
   */
  private adoptLateClaim(accepted: Accepted, interpreted: Interpreted, hint: CallbackKind | undefined): void {
    this.options.logger.warn(`[suno-callbacks] a claim of ${accepted.key} landed after its timeout; processing it here`);
    for (const observe of this.acceptedObservers) observe(accepted);
    this.delivery.reserve();
    if (this.queued !== undefined) {
      const { key, receivedAt } = accepted;
      // If this add fails too, the retry still finds no job behind the claim, and queues the callback itself.
      void this.queued
        .accept({ key, body: interpreted.body, hint, receivedAt }, this.claimForQueue(true))
        .finally(() => this.delivery.unreserve());
      return;
    }
    void this.delivery.run(accepted, interpreted);
  }

  /**
   * The `queue` delivery, for a callback whose slot is reserved: the answer waits until the queue has it (the body as
   * received, raw text included, so that a worker interprets it again). Its listeners run on a worker.
   */
  private async enqueue(
    queued: QueueDelivery,
    accepted: Accepted,
    interpreted: Interpreted,
    hint: CallbackKind | undefined,
    claimed: boolean,
  ): Promise<Receipt> {
    const { key, receivedAt } = accepted;
    try {
      // Taken inside the request's context, so the worker's spans join the request's trace.
      const trace = this.options.telemetry.injectContext();
      const outcome = await queued.accept({ key, body: interpreted.body, hint, receivedAt, trace }, this.claimForQueue(claimed));
      if (outcome === 'unavailable') {
        // The sender will retry; the claim must not make that retry look like a duplicate.
        if (claimed) await this.store.release(key);
        return this.reject(503, 'store_unavailable', 'The queue is unavailable; retry later.');
      }
      if (outcome === 'duplicate') {
        const { kind, taskId, stage } = accepted;
        this.dispatcher.notify('duplicate', { key, kind, taskId, stage, receivedAt });
        return DUPLICATE_RECEIPT;
      }
      return RECEIVED_RECEIPT;
    } finally {
      this.delivery.unreserve();
    }
  }

  /**
   * The middleware's own memory store only speaks for this process, whatever it answered: the queue then dedupes
   * across processes by itself (one round trip). A shared store's answer is the queue's starting point.
   */
  private claimForQueue(claimed: boolean): ClaimForQueue {
    if (this.options.ownsStore) return 'local';
    return claimed ? 'claimed' : 'held';
  }

  /**
   * Stops accepting (503 `shutting_down`), waits for running listeners (at most `timeoutMs`), then closes a store the
   * middleware created. Resolves with what was left unfinished. Idempotent.
   */
  close(timeoutMs?: number): Promise<CloseReport> {
    this.closing = true;
    this.closed ??= (async () => {
      const report = await this.delivery.drain(timeoutMs);
      if (this.options.ownsStore) await this.store.close();
      if (!report.drained) {
        this.options.logger.warn(
          `[suno-callbacks] closed with ${report.unfinished.length} callback(s) unfinished: ${report.unfinished.slice(0, 10).join(', ')}`,
        );
      }
      return report;
    })();
    return this.closed;
  }

  /** Callbacks accepted whose listeners have not finished. */
  get inFlight(): number {
    return this.delivery.inFlight;
  }

  private reject(status: number, error: string, message: string, details?: string[], detail?: RejectionDetail): Receipt {
    return this.rejectBeforeBody(errorAnswer(status, error, message, details), detail);
  }

  /** Reports a refusal decided by the HTTP layer (method, media type, size, time) like the pipeline's own. */
  rejectBeforeBody(answer: Answer, detail?: RejectionDetail): Receipt {
    if ('error' in answer.body) {
      const { error, message } = answer.body;
      const event: RejectedEvent = { status: answer.status, error: error as AnswerCode, message, receivedAt: new Date() };
      const hint = rejectionHint(error, detail);
      if (hint !== undefined) event.hint = hint;
      this.dispatcher.notify('rejected', event);
    }
    return { answer };
  }
}
