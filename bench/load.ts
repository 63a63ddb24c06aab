/** Drives one server with autocannon and turns the result into the figures the report prints. */
import autocannon from 'autocannon';
import type { BenchRequest } from './bodies.js';

export interface LoadOptions {
  url: string;
  durationSeconds: number;
  /** A fixed number of requests instead of a duration (the CPU-per-request phase). */
  amount?: number;
  connections: number;
  /** Fixed requests per second over all connections; as fast as the server answers when absent. */
  rate?: number;
  /** Called once per request: a fresh body, path and headers. */
  nextRequest: () => BenchRequest;
  /** A response body that fails this check is counted as a mismatch (for example a `duplicate` answer). */
  expectBody: (body: string) => boolean;
}

export interface LoadFigures {
  /** Answers with a 2xx status and the expected body, per second: refused requests are not throughput. */
  requestsPerSecond: number;
  /** Latency in milliseconds, from the raw response times (autocannon's own histogram rounds to whole ms). */
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  /** autocannon's p99, corrected for coordinated omission in fixed-rate runs (whole milliseconds). */
  autocannonP99Ms: number;
  total: number;
  ok: number;
  non2xx: number;
  mismatches: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** Runs autocannon for `durationSeconds` and resolves with the figures; never counts a refusal as throughput. */
export function runLoad(options: LoadOptions): Promise<LoadFigures> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  // autocannon emits 'response' (with the status) and then, synchronously, calls verifyBody (without it).
  let lastStatus = 0;
  let ok = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        pipelining: 1,
        timeout: 10,
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
        ...(options.amount === undefined ? {} : { amount: options.amount }),
        verifyBody: (body) => {
          const expected = options.expectBody(body);
          if (expected && lastStatus >= 200 && lastStatus < 300) ok += 1;
          return expected;
        },
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const next = options.nextRequest();
              return { ...request, path: next.path, headers: next.headers, body: next.body };
            },
          },
        ],
      },
      (error, result) => {
        if (error !== null) {
          reject(error);
          return;
        }
        const sorted = latencies.subarray(0, count).sort();
        let sum = 0;
        for (const value of sorted) sum += value;
        const statusCodes: Record<string, number> = {};
        for (const [code, { count: n }] of Object.entries(result.statusCodeStats)) statusCodes[code] = n;
        resolve({
          requestsPerSecond: ok / result.duration,
          latencyMs: {
            p50: percentile(sorted, 0.5),
            p99: percentile(sorted, 0.99),
            max: count === 0 ? Number.NaN : (sorted[count - 1] as number),
            mean: count === 0 ? Number.NaN : sum / count,
          },
          autocannonP99Ms: result.latency.p99,
          total: result.requests.total,
          ok,
          non2xx: result.non2xx,
          mismatches: result.mismatches,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
          durationSeconds: result.duration,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      lastStatus = status;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count] = responseTime;
      count += 1;
    });
  });
}
