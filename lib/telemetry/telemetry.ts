import type { CallbackOutcome } from '../answer-codes.js';
import { received } from '../option-checks.js';

/** What the receiver learns about a callback once it is authentic and classified. */
export interface CallbackIdentity {
  kind: string;
  taskId: string;
  stage: string;
}

/** One request, from the moment the middleware takes it until its answer is written. */
export interface RequestTelemetry {
  /** The callback is authentic and classified: name it. Called at most once. */
  identify(callback: CallbackIdentity): void;
  /** The answer is written. Called exactly once. */
  end(outcome: CallbackOutcome): void;
}

/** One run of one listener for one callback. */
export interface AttemptInfo {
  /** The event name the listener was added for (`'cover-ready'`, `'callback'`, ...). */
  listenerFor: string;
  /** 1 for the first run, 2 for the first retry, ... */
  attempt: number;
  /** The dedupe key of the callback; undefined for an unrecognized body without one. */
  key: string | undefined;
  kind: string;
  taskId: string | undefined;
}

/**
 * The hooks the receiver calls, so that traces and metrics can be recorded without the core knowing OpenTelemetry.
 * The default does nothing and allocates nothing. `otel()` from `suno-callbacks/otel` is the OpenTelemetry one.
 */
export interface Telemetry {
  /** Runs the handling of one request inside its own context (its span), so work it starts inherits that context. */
  request<T>(handle: (request: RequestTelemetry) => T): T;
  /** Runs one listener attempt inside its span; rethrows what `run` throws. */
  attempt(info: AttemptInfo, run: () => unknown): Promise<unknown>;
  /** A listener failed every attempt. */
  listenerFailed(listenerFor: string): void;
  /** Listeners start for a callback received at `receivedAt` (in this process, or in a queue worker). */
  processing(receivedAt: Date): void;
  /** The active trace context as text headers, to carry into a queued job. Empty when there is none. */
  injectContext(): Record<string, string>;
  /** Runs `fn` inside the trace context carried by `carrier` (from `injectContext()`), so its spans join that trace. */
  runWithContext<T>(carrier: Record<string, string> | undefined, fn: () => T): T;
}

const IDLE_REQUEST: RequestTelemetry = { identify: () => undefined, end: () => undefined };
const NO_CONTEXT: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The default: every hook is a constant-time no-op. */
export const noTelemetry: Telemetry = {
  request: (handle) => handle(IDLE_REQUEST),
  attempt: async (_info, run) => run(),
  listenerFailed: () => undefined,
  processing: () => undefined,
  injectContext: () => NO_CONTEXT,
  runWithContext: (_carrier, fn) => fn(),
};

const HOOKS = ['request', 'attempt', 'listenerFailed', 'processing', 'injectContext', 'runWithContext'] as const;

/** Checks the `telemetry` option once, in the factory. */
export function resolveTelemetry(value: unknown): Telemetry {
  if (value === undefined) return noTelemetry;
  const candidate = value as Partial<Record<(typeof HOOKS)[number], unknown>> | null;
  const missing = HOOKS.filter((hook) => typeof candidate?.[hook] !== 'function');
  if (typeof value !== 'object' || value === null || missing.length > 0) {
    throw new TypeError(
      `\`telemetry\` must be a Telemetry object such as \`otel()\` from 'suno-callbacks/otel'; received ${received(value)}` +
        (typeof value === 'object' && value !== null ? ` without ${missing.join(', ')}.` : '.'),
    );
  }
  return value as Telemetry;
}

/** The outcome of a request, read from the answer written to the sender. */
export function outcomeOf(body: { status: 'received' | 'duplicate' } | { error: string }): CallbackOutcome {
  return 'status' in body ? body.status : (`rejected:${body.error}` as CallbackOutcome);
}
