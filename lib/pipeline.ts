import { classify, isCallbackKind, isJsonObject, type CallbackKind, type JsonObject } from './classify.js';
import { Dispatcher } from './dispatcher.js';
import { StoreError, type ListenerError } from './errors.js';
import { eventNameOf, type SunoEventName, type UnrecognizedEvent } from './events.js';
import { dedupeKey, toEvent, type Accepted } from './normalize.js';
import type { ResolvedOptions } from './options.js';
import { compileValidators, type PayloadValidator } from './schemas/index.js';
import { checkSignature, tokenMatches } from './signature.js';
import { isDurable } from './store.js';

/** The body as the HTTP layer found it: raw bytes, text left by a text parser, or a value a JSON parser produced. */
export type IncomingBody =
  | { type: 'bytes'; bytes: Buffer }
  | { type: 'text'; text: string }
  | { type: 'parsed'; value: unknown };

export interface IncomingCallback {
  body: IncomingBody;
  /** The `:kind` segment of the path, if any. */
  kindHint: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  token: string | undefined;
}

export interface Answer {
  status: number;
  body: { status: 'received' | 'duplicate' } | { error: string; message: string; details?: string[] };
  headers?: Record<string, string>;
}

export interface Receipt {
  answer: Answer;
  /** Starts the listeners; the HTTP layer calls it right after writing the answer. */
  dispatch?: () => void;
}

/** Bodies nested deeper than this are refused: no documented callback comes close. */
const MAX_DEPTH = 32;
const RETRY_AFTER_SECONDS = '5';
const MAX_TASK_ID_LENGTH = 256;
const RECOVER_BATCH = 100;

export const RECEIVED: Receipt = { answer: { status: 200, body: { status: 'received' } } };
export const DUPLICATE: Receipt = { answer: { status: 200, body: { status: 'duplicate' } } };

/** What a durable store keeps of an accepted callback, enough to dispatch it again after a crash. */
interface SavedCallback {
  v: 1;
  hint: CallbackKind | null;
  receivedAt: number;
  body: JsonObject;
}

/** The record a durable store keeps of an accepted callback. */
function savedRecord(accepted: Accepted, hint: CallbackKind | undefined): string {
  const saved: SavedCallback = { v: 1, hint: hint ?? null, receivedAt: accepted.receivedAt.getTime(), body: accepted.body };
  return JSON.stringify(saved);
}

/**
 * True when an object or array sits deeper than MAX_DEPTH inside `value` (itself at `depth`). The recursion stops at
 * MAX_DEPTH, so it cannot overflow the stack. It allocates nothing: copying every object's values (Object.values)
 * and stacking [value, depth] pairs took as long as JSON.parse itself on a 2 MB MIDI body.
 */
function tooDeep(value: object, depth = 1): boolean {
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

function parseBody(body: IncomingBody): { value: unknown } | { error: 'empty' | 'malformed' } {
  if (body.type === 'parsed') return { value: body.value };
  const raw = body.type === 'bytes' ? body.bytes.toString('utf8') : body.text;
  // RFC 8259 lets a parser ignore a byte order mark, and express.json() does: the raw path must agree.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.trim() === '') return { error: 'empty' };
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: 'malformed' };
  }
}

/**
 * The framework-free core: authenticate, classify, validate, dedupe, acknowledge, dispatch. The Express adapter only
 * reads the body and writes the answer.
 */
export class Pipeline {
  readonly dispatcher: Dispatcher;
  private readonly validators: Record<CallbackKind, PayloadValidator>;
  private ready: Promise<void> | undefined;
  private pending = 0;
  private closing = false;
  private closed: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];
  private recovering: Promise<number> | undefined;
  /** Keys whose listeners run in this process: recovery must not start them a second time. */
  private readonly active = new Set<string>();
  private recoveryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ResolvedOptions) {
    this.validators = compileValidators();
    this.dispatcher = new Dispatcher(options.retry, options.concurrency, options.logger);
    if (options.allowUnsigned && options.secrets.length === 0 && options.tokens.length === 0) {
      options.logger.warn(
        '[suno-callbacks] allowUnsigned is on: callbacks are accepted without authentication. Use it only in development.',
      );
    }
  }

  /** Initialises the store once; a failed init is tried again by the next request. */
  start(): Promise<void> {
    this.ready ??= Promise.resolve()
      .then(() => this.withTimeout('init', () => this.options.store.init?.()))
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }

  async receive(incoming: IncomingCallback): Promise<Receipt> {
    const options = this.options;
    if (this.closing) return this.reject(503, 'shutting_down', 'The receiver is shutting down; retry later.');

    // With both configured, both are required: the token then guards the path and the signature the task.
    if (options.tokens.length > 0) {
      if (incoming.token === undefined || !tokenMatches(incoming.token, options.tokens)) {
        return this.reject(401, 'invalid_token', 'The token query parameter is missing or wrong.');
      }
    }
    if (options.secrets.length > 0 && (incoming.timestamp === undefined || incoming.signature === undefined)) {
      return this.reject(401, 'missing_signature', 'X-Webhook-Timestamp and X-Webhook-Signature headers are required.');
    }

    const parsed = parseBody(incoming.body);
    if ('error' in parsed) {
      return this.reject(400, 'invalid_json', parsed.error === 'empty' ? 'The body is empty.' : 'The body is not valid JSON.');
    }
    const body = parsed.value;
    if (!isJsonObject(body)) return this.reject(400, 'invalid_payload', 'The body must be a JSON object.');
    if (tooDeep(body)) return this.reject(400, 'invalid_payload', `The body is nested deeper than ${MAX_DEPTH} levels.`);

    const hint = incoming.kindHint !== undefined && isCallbackKind(incoming.kindHint) ? incoming.kindHint : undefined;
    const classified = classify(body, hint);
    if ('missing' in classified) {
      return this.reject(400, 'missing_task_id', 'No task id in data.task_id, data.taskId, taskId or task_id.');
    }

    if (options.secrets.length > 0) {
      const check = checkSignature({
        secrets: options.secrets,
        taskId: classified.taskId,
        timestamp: incoming.timestamp,
        signature: incoming.signature,
        toleranceSeconds: options.toleranceSeconds,
      });
      if (!check.ok) return this.reject(401, check.error, check.message);
    }

    // Warned only for authentic callbacks, so that strangers cannot fill the log.
    if (incoming.kindHint !== undefined && hint === undefined) {
      options.logger.warn(`[suno-callbacks] ignoring unknown kind "${incoming.kindHint.slice(0, 40)}" in the path`);
    }
    const { kind, stage, taskId, failed } = classified;
    // Provider task ids are 32 hex characters; a bound keeps keys within what every store can index.
    if (taskId.length > MAX_TASK_ID_LENGTH) {
      return this.reject(400, 'invalid_payload', `The task id is longer than ${MAX_TASK_ID_LENGTH} characters.`);
    }
    if (kind !== undefined && !failed) {
      const details = this.validators[kind](body);
      if (details !== undefined) {
        return this.reject(400, 'invalid_payload', `The body does not fit a ${kind} callback.`, details);
      }
    }

    if (this.pending >= options.maxPending) {
      return this.reject(503, 'overloaded', 'Too many callbacks in progress; retry later.');
    }
    const accepted: Accepted = {
      kind: kind ?? 'unknown',
      stage,
      taskId,
      code: classified.code,
      key: dedupeKey(kind ?? 'unknown', taskId, stage),
      receivedAt: new Date(),
      body,
    };
    // Unrecognized bodies have no family to fail in; a failure of unknown family is still a failure.
    const recognized = kind !== undefined || failed;

    // The slot is taken before the first await: close() and maxPending must count a callback from the moment it is
    // being recorded, or close() could resolve (and the owned store close) under a callback about to be accepted.
    this.pending += 1;
    const stored = await this.record(accepted, hint);
    if (stored !== 'claimed') {
      this.settle();
      if (stored === 'unavailable') {
        return this.reject(503, 'store_unavailable', 'The dedupe store is unavailable; retry later.');
      }
      if (options.processBeforeAck && this.active.has(accepted.key)) {
        // The first delivery's listeners are still running and may yet fail (500, key released). Answering this one
        // "duplicate" would end the provider's retries for a callback that then never succeeds.
        return this.reject(503, 'in_progress', 'This callback is being processed; retry later.');
      }
      this.dispatcher.notify('duplicate', { key: accepted.key, kind: accepted.kind, taskId, stage, receivedAt: accepted.receivedAt });
      return DUPLICATE;
    }

    this.active.add(accepted.key);
    if (options.processBeforeAck) {
      const succeeded = await this.process(accepted, recognized);
      if (!succeeded) return this.reject(500, 'handler_failed', 'A listener failed; the callback can be redelivered.');
      return RECEIVED;
    }
    return { answer: RECEIVED.answer, dispatch: () => void this.process(accepted, recognized) };
  }

  /** Claims the key and, with a durable store, saves the callback before anyone is told it was received. */
  private async record(accepted: Accepted, hint: CallbackKind | undefined): Promise<'claimed' | 'duplicate' | 'unavailable'> {
    const { store, dedupeTtlMs, leaseMs } = this.options;
    const durable = isDurable(store);
    // The sender waits for its 200 until the callback is saved: claiming and saving at once spares it a round trip.
    const claimAndSave = durable ? store.claimAndSave?.bind(store) : undefined;
    const operation = claimAndSave === undefined ? 'claim' : 'claimAndSave';
    try {
      if (store.init !== undefined) await this.start();
      const claim =
        claimAndSave === undefined
          ? () => store.claim(accepted.key, dedupeTtlMs)
          : () => claimAndSave(accepted.key, dedupeTtlMs, savedRecord(accepted, hint), leaseMs);
      // A claim that times out may still land (a client resends it after reconnecting). Left in place it would hold
      // the key with nobody processing it, and the sender's retry would be answered "duplicate": undo it.
      const claimed = await this.withTimeout(operation, claim, (late) => {
        if (late) void this.safely('release', () => store.release(accepted.key));
      });
      if (!claimed) return 'duplicate';
    } catch (error) {
      this.dispatcher.notify('error', toStoreError(operation, error));
      return 'unavailable';
    }
    if (!durable || claimAndSave !== undefined) return 'claimed';
    try {
      // Likewise a late save would leave a record that recover() dispatches after the retry was processed.
      await this.withTimeout('save', () => store.save(accepted.key, savedRecord(accepted, hint), leaseMs), () => {
        void this.safely('release', () => store.release(accepted.key));
      });
      return 'claimed';
    } catch (error) {
      this.dispatcher.notify('error', toStoreError('save', error));
      // The sender will retry; the claim must not make that retry look like a duplicate.
      await this.safely('release', () => store.release(accepted.key));
      return 'unavailable';
    }
  }

  /** Runs the listeners of one accepted callback; resolves true when all succeeded. Never rejects. */
  private async process(accepted: Accepted, recognized: boolean): Promise<boolean> {
    try {
      let failures: ListenerError[];
      if (recognized) {
        const event = toEvent(accepted);
        failures = await this.dispatcher.run(event, [eventNameOf(event), 'callback']);
      } else {
        const event: UnrecognizedEvent = {
          kind: 'unknown',
          taskId: accepted.taskId,
          receivedAt: accepted.receivedAt,
          key: accepted.key,
          body: accepted.body,
        };
        if (accepted.code !== undefined) event.code = accepted.code;
        failures = await this.dispatcher.run(event, ['unrecognized' satisfies SunoEventName]);
      }
      const store = this.options.store;
      if (failures.length > 0) {
        for (const failure of failures) this.dispatcher.notify('error', failure);
        await this.safely('release', () => store.release(accepted.key));
        return false;
      }
      if (isDurable(store)) await this.safely('finish', () => store.finish(accepted.key));
      return true;
    } catch (error) {
      this.options.logger.error(`[suno-callbacks] unexpected failure while dispatching ${accepted.key}`, error);
      return false;
    } finally {
      this.active.delete(accepted.key);
      this.settle();
    }
  }

  private settle(): void {
    this.pending -= 1;
    if (this.pending === 0) this.wakeIdleWaiters();
  }

  /**
   * Dispatches again every callback a durable store saved but never finished (its process died), once its lease has
   * run out. Resolves with how many were dispatched, after their listeners have run.
   */
  recover(): Promise<number> {
    // One pass at a time: a periodic pass and a manual call share the same work.
    this.recovering ??= this.recoverPass().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  /**
   * Recovers now (when asked) and then every half lease. A replacement process usually starts while the dead one's
   * leases still run, so a single look at start would find nothing and leave those callbacks waiting.
   */
  scheduleRecovery(runNow: boolean): void {
    if (!isDurable(this.options.store)) return;
    const run = (): void => {
      this.recover().catch((error: unknown) => this.options.logger.error('[suno-callbacks] recovery failed', error));
    };
    // setImmediate: after the caller has added its listeners in the same tick.
    if (runNow) setImmediate(run);
    this.recoveryTimer = setInterval(run, Math.max(1000, this.options.leaseMs / 2));
    this.recoveryTimer.unref();
  }

  private async recoverPass(): Promise<number> {
    const store = this.options.store;
    if (!isDurable(store) || this.closing) return 0;
    await this.start();
    let total = 0;
    const runs: Array<Promise<boolean>> = [];
    // A backlog is taken a batch at a time and only while there is room: what is left keeps its lease untouched and
    // waits for the next pass, rather than filling memory past maxPending.
    while (!this.closing && this.pending < this.options.maxPending) {
      const batch = await this.withTimeout('reclaim', () => store.reclaim(this.options.leaseMs, RECOVER_BATCH));
      for (const { key, record } of batch) {
        // Its lease ran out while this very process still runs its listeners (a long queue, a slow listener).
        if (this.active.has(key)) continue;
        const revived = this.revive(key, record);
        if (revived === undefined) {
          await this.safely('release', () => store.release(key));
          continue;
        }
        total += 1;
        this.pending += 1;
        this.active.add(key);
        runs.push(this.process(revived.accepted, revived.recognized));
      }
      if (batch.length < RECOVER_BATCH) break;
    }
    await Promise.all(runs);
    if (total > 0) this.options.logger.info(`[suno-callbacks] recovered ${total} unfinished callback(s)`);
    return total;
  }

  private revive(key: string, record: string): { accepted: Accepted; recognized: boolean } | undefined {
    try {
      const saved = JSON.parse(record) as SavedCallback;
      const classified = classify(saved.body, saved.hint ?? undefined);
      if ('missing' in classified) throw new Error('the saved body has no task id');
      const kind = classified.kind ?? 'unknown';
      return {
        accepted: {
          kind,
          stage: classified.stage,
          taskId: classified.taskId,
          code: classified.code,
          key,
          receivedAt: new Date(saved.receivedAt),
          body: saved.body,
        },
        recognized: classified.kind !== undefined || classified.failed,
      };
    } catch (error) {
      this.options.logger.error(`[suno-callbacks] dropping unreadable saved callback ${key}: ${String(error)}`);
      return undefined;
    }
  }

  /** Stops accepting, waits for running listeners, then closes a store the middleware created. Idempotent. */
  close(): Promise<void> {
    this.closing = true;
    clearInterval(this.recoveryTimer);
    this.closed ??= (async () => {
      // A recovery pass may be between taking records and starting them: let it start them, so they are waited for.
      await this.recovering?.catch(() => undefined);
      if (this.pending > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      if (this.options.ownsStore) await this.safely('close', () => this.options.store.close?.());
    })();
    return this.closed;
  }

  /** Callbacks accepted whose listeners have not finished. */
  get inFlight(): number {
    return this.pending;
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private reject(status: number, error: string, message: string, details?: string[]): Receipt {
    const answer: Answer = { status, body: details === undefined ? { error, message } : { error, message, details } };
    if (status === 503) answer.headers = { 'Retry-After': RETRY_AFTER_SECONDS };
    return this.rejectBeforeBody(answer);
  }

  /** Reports a refusal decided by the HTTP layer (method, media type, size) like the pipeline's own. */
  rejectBeforeBody(answer: Answer): Receipt {
    if ('error' in answer.body) {
      const { error, message } = answer.body;
      this.dispatcher.notify('rejected', { status: answer.status, error, message, receivedAt: new Date() });
    }
    return { answer };
  }

  /** Store calls may answer synchronously (the memory store) or not at all (a hung server): bound them. */
  private withTimeout<T>(operation: string, call: () => T | Promise<T>, onLate?: (value: T) => void): T | Promise<T> {
    const result = call();
    if (!(result instanceof Promise)) return result;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The call may still reach the store after the sender was told to retry; `onLate` undoes it then.
        if (onLate !== undefined) result.then(onLate, () => undefined);
        reject(new Error(`no answer within ${this.options.storeTimeoutMs} ms`));
      }, this.options.storeTimeoutMs);
    });
    return Promise.race([result, timeout])
      .catch((error: unknown) => {
        throw toStoreError(operation, error);
      })
      .finally(() => clearTimeout(timer));
  }

  private async safely(operation: string, call: () => unknown): Promise<void> {
    try {
      await this.withTimeout(operation, call);
    } catch (error) {
      this.dispatcher.notify('error', toStoreError(operation, error));
    }
  }
}

function toStoreError(operation: string, error: unknown): StoreError {
  return error instanceof StoreError ? error : new StoreError(operation, error);
}
