/**
 * Benchmark settings, all overridable from the environment so that a quick run (`BENCH_DURATION=1 BENCH_ROUNDS=1`)
 * uses the same code as the published one.
 */
function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number; received "${raw}".`);
  return value;
}

export interface BenchConfig {
  /** Seconds of measured load per scenario and round. */
  durationSeconds: number;
  /** Seconds of unmeasured load first, so the JIT and the connection pool are warm. */
  warmupSeconds: number;
  /** Scenarios are run this many times, interleaved; the round with the median throughput is kept. */
  rounds: number;
  /** Concurrent keep-alive connections for the throughput scenarios. */
  connections: number;
  /** Requests per second for the fixed-rate scenarios. */
  fixedRate: number;
  /**
   * Connections for the fixed-rate scenarios. autocannon holds the rate by letting each connection send its share
   * of a second back to back and then wait for the next second, so this is also how many requests arrive at once.
   */
  rateConnections: number;
  /** Callbacks pushed through the memory store in the memory scenario. */
  memoryCallbacks: number;
  /** 2 MB MIDI callbacks sent one after the other in the event-loop scenario. */
  midiRuns: number;
  /** Requests per server and round in the CPU-per-request phase (fixed count, all servers in the same run). */
  cpuRequests: number;
  /** Extra Node flags for every server child (the same for all of them). */
  nodeFlags: string[];
  /** Scenario ids to run (`BENCH_ONLY=4,7a,7b`); all when empty. The memory and MIDI scenarios are `memory`, `midi`. */
  only: string[];
}

export function loadConfig(): BenchConfig {
  return {
    durationSeconds: numberFromEnv('BENCH_DURATION', 5),
    warmupSeconds: numberFromEnv('BENCH_WARMUP', 1),
    rounds: Math.max(1, Math.round(numberFromEnv('BENCH_ROUNDS', 5))),
    connections: Math.max(1, Math.round(numberFromEnv('BENCH_CONNECTIONS', 50))),
    fixedRate: Math.max(1, Math.round(numberFromEnv('BENCH_RATE', 1000))),
    rateConnections: Math.max(1, Math.round(numberFromEnv('BENCH_RATE_CONNECTIONS', 10))),
    memoryCallbacks: Math.max(1, Math.round(numberFromEnv('BENCH_MEMORY_CALLBACKS', 1_000_000))),
    midiRuns: Math.max(1, Math.round(numberFromEnv('BENCH_MIDI_RUNS', 5))),
    cpuRequests: Math.max(0, Math.round(numberFromEnv('BENCH_CPU_REQUESTS', 20_000))),
    nodeFlags: (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== ''),
    only: (process.env.BENCH_ONLY ?? '').split(',').map((id) => id.trim()).filter((id) => id !== ''),
  };
}

/** The webhook key every signed scenario uses; a benchmark secret, never a real one. */
export const BENCH_SECRET = 'bench-secret-not-for-production';
