/**
 * OpenTelemetry through real requests: the SDK's in-memory exporters record what `otel()` emits while supertest
 * delivers callbacks to an Express app, so the spans, their parentage and the metrics are the ones a user would see.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { createApp, post, signed, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import { otel } from '../lib/telemetry/otel.js';
import { noTelemetry } from '../lib/telemetry/telemetry.js';
import { sunoCallbacks } from '../lib/index.js';
import { Queue } from 'bullmq';
import { sunoWorker } from '../lib/bullmq/index.js';
import { needs, REDIS_HOST, REDIS_PORT, uniqueName } from './helpers/services.js';

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
const meterProvider = new MeterProvider({ readers: [reader] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  // What the Node SDK's start() registers: a context manager (so work started by a request inherits its span) and the
  // W3C propagator (so the context can travel in a queued job).
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});

afterAll(async () => {
  context.disable();
  propagation.disable();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
});

beforeEach(() => {
  spans.reset();
});

function named(name: string): ReadableSpan[] {
  return spans.getFinishedSpans().filter((span) => span.name === name);
}

/** The data points of one metric, read now from the meter provider. */
interface Point {
  attributes: Record<string, unknown>;
  value: unknown;
}

async function points(metricName: string): Promise<Point[]> {
  metricExporter.reset();
  await reader.forceFlush();
  const metrics = metricExporter
    .getMetrics()
    .flatMap((resource) => resource.scopeMetrics)
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === metricName);
  return metrics.flatMap((metric) => metric.dataPoints as Point[]);
}

async function counted(metricName: string, attributes: Record<string, string>): Promise<number> {
  const matching = (await points(metricName)).filter((point) =>
    Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
  );
  return matching.reduce((sum, point) => sum + (point.value as number), 0);
}

function telemetryApp(extra: Parameters<typeof createApp>[0] = {}) {
  return createApp({ telemetry: otel({ tracerProvider, meterProvider }), logRejections: false, ...extra });
}

describe('otel(): spans', () => {
  it('records a suno.callback span per request with kind, task id, stage and outcome, and a child span per listener attempt', async () => {
    const { app, suno } = telemetryApp();
    const body = fixture('cover.success.json');
    body.data.taskId = `otel-${Date.now()}`;
    let listenerSpanId: string | undefined;
    suno.on('cover-ready', () => {
      listenerSpanId = trace.getActiveSpan()?.spanContext().spanId;
    });

    expect((await post(app, body)).body).toEqual({ status: 'received' });
    await until(() => named('suno.listener').length >= 3);
    expect((await post(app, body)).body).toEqual({ status: 'duplicate' });

    const requests = named('suno.callback');
    expect(requests.map((span) => span.attributes)).toEqual([
      { 'suno.kind': 'cover', 'suno.task_id': body.data.taskId, 'suno.stage': 'final', 'suno.outcome': 'received' },
      { 'suno.kind': 'cover', 'suno.task_id': body.data.taskId, 'suno.stage': 'final', 'suno.outcome': 'duplicate' },
    ]);
    const [first] = requests;
    // createApp adds a listener for every event; cover-ready has two (the test's and the app's), callback one.
    const attempts = named('suno.listener');
    expect(attempts.map((span) => span.attributes['suno.listener']).sort()).toEqual(['callback', 'cover-ready', 'cover-ready']);
    for (const attempt of attempts) {
      expect(attempt.spanContext().traceId).toBe(first?.spanContext().traceId);
      expect(attempt.parentSpanContext?.spanId).toBe(first?.spanContext().spanId);
      expect(attempt.attributes).toEqual(
        expect.objectContaining({ 'suno.attempt': 1, 'suno.kind': 'cover', 'suno.key': `cover:${body.data.taskId}:final` }),
      );
    }
    // The listener runs inside its attempt's span, so its own spans nest under it.
    expect(attempts.map((span) => span.spanContext().spanId)).toContain(listenerSpanId);
    await suno.close();
  });

  it('names the refusal in suno.outcome and marks the span as an error', async () => {
    const { app, suno } = telemetryApp();
    const body = fixture('cover.success.json');
    await request(app).post('/suno/callback').set(signed(body, { secret: 'not-the-secret' })).send(body);
    await request(app).get('/suno/callback');
    await request(app).post('/suno/callback').set('Content-Type', 'application/x-www-form-urlencoded').send('a=1');
    expect(named('suno.callback').map((span) => [span.attributes['suno.outcome'], span.status.code])).toEqual([
      ['rejected:invalid_signature', 2],
      ['rejected:method_not_allowed', 2],
      ['rejected:unsupported_media_type', 2],
    ]);
    // Not authentic: its task id is the sender's claim, so it is not recorded.
    expect(named('suno.callback')[0]?.attributes['suno.task_id']).toBeUndefined();
    await suno.close();
  });

  it('records one span per attempt when a listener is retried, the failed ones with their exception', async () => {
    const { app, suno } = telemetryApp({ retry: { retries: 2, minTimeout: 1, factor: 1 } });
    let calls = 0;
    suno.on('wav-ready', () => {
      calls += 1;
      if (calls < 3) throw new Error(`attempt ${calls} failed`);
    });
    const body = fixture('wav.success.json');
    body.data.task_id = `otel-retry-${Date.now()}`;
    await post(app, body);
    await until(() => named('suno.listener').filter((span) => span.attributes['suno.listener'] === 'wav-ready').length >= 4);
    const ours = named('suno.listener')
      .filter((span) => span.attributes['suno.listener'] === 'wav-ready')
      .map((span) => [span.attributes['suno.attempt'], span.status.code, span.events.map((event) => event.name)]);
    // Two wav-ready listeners (the test's and createApp's recorder): the recorder succeeds at once.
    expect(ours).toEqual(
      expect.arrayContaining([
        [1, 2, ['exception']],
        [2, 2, ['exception']],
        [3, 0, []],
        [1, 0, []],
      ]),
    );
    await suno.close();
  });
});

describe('otel(): metrics', () => {
  it('counts suno.callbacks by outcome, listener failures, and records acknowledgement time and processing lag', async () => {
    const { app, suno } = telemetryApp();
    const before = {
      received: await counted('suno.callbacks', { 'suno.outcome': 'received' }),
      rejected: await counted('suno.callbacks', { 'suno.outcome': 'rejected:stale_timestamp' }),
      failures: await counted('suno.listener.failures', { 'suno.listener': 'video-ready' }),
    };
    suno.on('video-ready', () => {
      throw new Error('the video store is down');
    });
    const body = fixture('video.success.sunoapi.json');
    body.data.task_id = `otel-metrics-${Date.now()}`;
    await post(app, body);
    const stale = fixture('cover.success.json');
    await request(app)
      .post('/suno/callback')
      .set(signed(stale, { timestamp: Math.floor(Date.now() / 1000) - 912 }))
      .send(stale);
    await until(() => named('suno.listener').some((span) => span.status.code === 2));
    // The failure is counted after p-retry gives up, a tick after the span ends.
    const deadline = Date.now() + 5000;
    while ((await counted('suno.listener.failures', { 'suno.listener': 'video-ready' })) === before.failures) {
      if (Date.now() > deadline) throw new Error('suno.listener.failures never moved');
    }

    expect(await counted('suno.callbacks', { 'suno.outcome': 'received' })).toBe(before.received + 1);
    expect(await counted('suno.callbacks', { 'suno.outcome': 'rejected:stale_timestamp' })).toBe(before.rejected + 1);
    expect(await counted('suno.listener.failures', { 'suno.listener': 'video-ready' })).toBe(before.failures + 1);

    const [ack] = (await points('suno.ack.duration')).filter((point) => point.attributes['suno.kind'] === 'video');
    const ackValue = ack?.value as Histogram | undefined;
    expect(ackValue?.count).toBeGreaterThanOrEqual(1);
    expect(ackValue?.min).toBeGreaterThan(0);
    expect(ackValue?.max).toBeLessThan(5);
    const lag = (await points('suno.processing.lag'))[0]?.value as Histogram | undefined;
    expect(lag?.count).toBeGreaterThanOrEqual(1);
    expect(lag?.max).toBeLessThan(5);
    await suno.close();
  });
});

describe('otel(): trace context for queued jobs', () => {
  it('injectContext() inside a request carries its trace; runWithContext() makes a worker span join it', async () => {
    const telemetry = otel({ tracerProvider, meterProvider });
    const carriers: Array<Record<string, string>> = [];
    const { app, suno } = createApp({ telemetry, logRejections: false });
    suno.on('cover-ready', () => void carriers.push(telemetry.injectContext()));
    const body = fixture('cover.success.json');
    body.data.taskId = `otel-carrier-${Date.now()}`;
    await post(app, body);
    await until(() => carriers.length === 1);
    const carrier = carriers[0] ?? {};
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    // What a queue worker does: run the job inside the carried context, then start its own span.
    telemetry.runWithContext(carrier, () => tracerProvider.getTracer('worker').startSpan('worker.job').end());
    const [job] = named('worker.job');
    const [callbackSpan] = named('suno.callback');
    expect(job?.spanContext().traceId).toBe(callbackSpan?.spanContext().traceId);
    expect(telemetry.runWithContext(undefined, () => 'ran')).toBe('ran');
    await suno.close();
  });
});

describe('telemetry option', () => {
  it('defaults to the no-op telemetry, which records nothing and carries no context', () => {
    expect(noTelemetry.injectContext()).toEqual({});
    expect(noTelemetry.request((request) => (request.end('received'), 'done'))).toBe('done');
    expect(spans.getFinishedSpans()).toEqual([]);
  });

  it('rejects a value that is not a Telemetry object, naming the option', () => {
    expect(() => sunoCallbacks({ allowUnsigned: true, telemetry: {} as never })).toThrow(
      /`telemetry` must be a Telemetry object .*without request, attempt/,
    );
    expect(() => otel({ tracerProvide: tracerProvider } as never)).toThrow('Unknown option `otel.tracerProvide`. Did you mean `otel.tracerProvider`?');
  });
});

const describeRedis = await needs('redis');
describeRedis('trace context through a BullMQ queue', () => {
  it('the worker runs the listener inside the trace of the request that queued the callback', async () => {
    const connection = { host: REDIS_HOST, port: REDIS_PORT };
    const queue = new Queue(uniqueName('suno-otel'), { connection });
    const telemetry = otel({ tracerProvider, meterProvider });
    const suno = sunoCallbacks({ secret: 'otel-queue-secret', queue, telemetry, logRejections: false });
    const worker = sunoWorker(queue.name, { connection, sunoTelemetry: telemetry });
    const traceIds: Array<string | undefined> = [];
    worker.on('cover-ready', () => void traceIds.push(trace.getActiveSpan()?.spanContext().traceId));
    try {
      const body = fixture('cover.success.json');
      body.data.taskId = uniqueName('otel-queued');
      const app = (await import('express')).default().use(suno);
      const answer = await request(app)
        .post('/suno/callback')
        .set(signed(body, { secret: 'otel-queue-secret' }))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expect(answer.body).toEqual({ status: 'received' });
      await until(() => traceIds.length === 1, 15_000);
      const [callbackSpan] = named('suno.callback').filter((span) => span.attributes['suno.task_id'] === body.data.taskId);
      expect(callbackSpan).toBeDefined();
      expect(traceIds[0]).toBe(callbackSpan?.spanContext().traceId);
    } finally {
      await worker.close();
      await suno.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }, 30_000);
});
