import {
  context,
  metrics,
  propagation,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
  type Span,
  type TracerProvider,
} from '@opentelemetry/api';
import type { CallbackOutcome } from '../answer-codes.js';
import { rejectUnknown } from '../option-checks.js';
import type { AttemptInfo, CallbackIdentity, RequestTelemetry, Telemetry } from './telemetry.js';

export type { AttemptInfo, CallbackIdentity, RequestTelemetry, Telemetry } from './telemetry.js';

/** Where `otel()` records. Both default to the globally registered providers (what the Node SDK's `start()` sets). */
export interface OtelOptions {
  /** @default the global tracer provider */
  tracerProvider?: TracerProvider | undefined;
  /** @default the global meter provider */
  meterProvider?: MeterProvider | undefined;
}

const SCOPE = 'suno-callbacks';

interface Instruments {
  callbacks: Counter;
  listenerFailures: Counter;
  ackDuration: Histogram;
  processingLag: Histogram;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * OpenTelemetry for the receiver: pass it as the `telemetry` option.
 *
 * Traces: a span `suno.callback` per request (attributes `suno.kind`, `suno.task_id`, `suno.stage`, `suno.outcome`)
 * and a span `suno.listener` per listener attempt, a child of the request's span. Metrics: the counter
 * `suno.callbacks` by `suno.outcome`, the counter `suno.listener.failures`, and the histograms `suno.ack.duration`
 * (request taken to answer written) and `suno.processing.lag` (callback received to listeners starting), in seconds.
 *
 * With no provider registered, the API hands out no-op spans and instruments: nothing is recorded.
 *
 * @example
 * import { otel } from 'suno-callbacks/otel';
 * const suno = sunoCallbacks({ secret, telemetry: otel() });
 */
export function otel(options: OtelOptions = {}): Telemetry {
  rejectUnknown('otel.', options, ['tracerProvider', 'meterProvider']);
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  // The metrics API has no proxy provider: a meter taken before the SDK starts would stay a no-op forever. Taking it
  // at the first recording lets `otel()` be called at import time, before `sdk.start()`.
  let instruments: Instruments | undefined;
  const instrumentsNow = (): Instruments => {
    if (instruments !== undefined) return instruments;
    const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
    instruments = {
      callbacks: meter.createCounter('suno.callbacks', { description: 'Callback requests, by outcome.' }),
      listenerFailures: meter.createCounter('suno.listener.failures', {
        description: 'Listeners that failed every attempt for a callback.',
      }),
      ackDuration: meter.createHistogram('suno.ack.duration', {
        description: 'From the middleware taking a request to its answer being written.',
        unit: 's',
      }),
      processingLag: meter.createHistogram('suno.processing.lag', {
        description: 'From a callback being received to its listeners starting.',
        unit: 's',
      }),
    };
    return instruments;
  };

  return {
    request<T>(handle: (request: RequestTelemetry) => T): T {
      const started = performance.now();
      const parent = context.active();
      const span = tracer.startSpan('suno.callback', undefined, parent);
      let kind: string | undefined;
      const request: RequestTelemetry = {
        identify(callback: CallbackIdentity): void {
          kind = callback.kind;
          span.setAttributes({ 'suno.kind': callback.kind, 'suno.task_id': callback.taskId, 'suno.stage': callback.stage });
        },
        end(outcome: CallbackOutcome): void {
          span.setAttribute('suno.outcome', outcome);
          if (outcome.startsWith('rejected:')) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
          span.end();
          const attributes: Attributes = kind === undefined ? { 'suno.outcome': outcome } : { 'suno.outcome': outcome, 'suno.kind': kind };
          const recorded = instrumentsNow();
          recorded.callbacks.add(1, attributes);
          recorded.ackDuration.record((performance.now() - started) / 1000, attributes);
        },
      };
      // Everything the request starts, its listeners included, runs in this context and so joins the span's trace.
      return context.with(trace.setSpan(parent, span), handle, undefined, request);
    },

    async attempt(info: AttemptInfo, run: () => unknown): Promise<unknown> {
      const attributes: Attributes = { 'suno.listener': info.listenerFor, 'suno.attempt': info.attempt, 'suno.kind': info.kind };
      if (info.taskId !== undefined) attributes['suno.task_id'] = info.taskId;
      if (info.key !== undefined) attributes['suno.key'] = info.key;
      const span: Span = tracer.startSpan('suno.listener', { attributes });
      try {
        return await context.with(trace.setSpan(context.active(), span), run);
      } catch (error) {
        span.recordException(error instanceof Error ? error : describeError(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
        throw error;
      } finally {
        span.end();
      }
    },

    listenerFailed(listenerFor: string): void {
      instrumentsNow().listenerFailures.add(1, { 'suno.listener': listenerFor });
    },

    processing(receivedAt: Date): void {
      instrumentsNow().processingLag.record(Math.max(0, Date.now() - receivedAt.getTime()) / 1000);
    },

    injectContext(): Record<string, string> {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier;
    },

    runWithContext<T>(carrier: Record<string, string> | undefined, fn: () => T): T {
      if (carrier === undefined) return fn();
      return context.with(propagation.extract(context.active(), carrier), fn);
    },
  };
}
