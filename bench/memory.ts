/**
 * The memory scenario: a million unique signed callbacks through the pipeline with the default memory store (claim,
 * acknowledge, dispatch to a listener), in-process and without HTTP, in a child started with `--expose-gc` so RSS is
 * read after a full collection. `runMemoryScenario()` is the parent side; run directly, this file is the child.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveOptions } from '../lib/options.js';
import { nodeCrypto } from '../lib/signature.js';
import { Pipeline } from '../lib/pipeline.js';
import { memoryStore } from '../lib/stores/memory.js';
import { sunoRequests } from './bodies.js';
import { compiled } from './build.js';
import { BENCH_SECRET } from './config.js';

export interface MemoryFigures {
  callbacks: number;
  received: number;
  /** Answers other than 200 `received`, by status and body; must be empty. */
  otherAnswers: Record<string, number>;
  listenerCalls: number;
  storeSize: number;
  storeBound: number;
  rssBeforeMB: number;
  rssAfterMB: number;
  rssGrowthMB: number;
  heapUsedBeforeMB: number;
  heapUsedAfterMB: number;
  peakRssMB: number;
  seconds: number;
  callbacksPerSecond: number;
}

const MB = 1024 * 1024;
const DEFAULT_BOUND = 100_000;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  // Two passes: the first may only move survivors to the old generation.
  gc();
  gc();
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: console.error };

async function child(callbacks: number): Promise<MemoryFigures> {
  const store = memoryStore();
  const pipeline = new Pipeline(resolveOptions({ secret: BENCH_SECRET, store, logger: quiet }), nodeCrypto([BENCH_SECRET]));
  let listenerCalls = 0;
  pipeline.dispatcher.on('callback', () => {
    listenerCalls += 1;
  });
  const next = sunoRequests();

  collect();
  const before = process.memoryUsage();
  const started = performance.now();
  let received = 0;
  const otherAnswers: Record<string, number> = {};
  for (let i = 0; i < callbacks; i += 1) {
    const request = next();
    const receipt = await pipeline.receive({
      body: { type: 'bytes', bytes: Buffer.from(request.body) },
      kindHint: undefined,
      timestamp: request.headers['x-webhook-timestamp'],
      signature: request.headers['x-webhook-signature'],
      token: undefined,
    });
    const { status, body } = receipt.answer;
    if (status === 200 && 'status' in body && body.status === 'received') received += 1;
    else {
      const label = `${status} ${JSON.stringify(body)}`;
      otherAnswers[label] = (otherAnswers[label] ?? 0) + 1;
    }
    receipt.dispatch?.();
    // Let timers and I/O run now and then, as a server's event loop would.
    if (i % 10_000 === 9_999) await new Promise((resolve) => setImmediate(resolve));
  }
  while (pipeline.inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
  const seconds = (performance.now() - started) / 1000;
  collect();
  const after = process.memoryUsage();
  return {
    callbacks,
    received,
    otherAnswers,
    listenerCalls,
    storeSize: store.size,
    storeBound: DEFAULT_BOUND,
    rssBeforeMB: before.rss / MB,
    rssAfterMB: after.rss / MB,
    rssGrowthMB: (after.rss - before.rss) / MB,
    heapUsedBeforeMB: before.heapUsed / MB,
    heapUsedAfterMB: after.heapUsed / MB,
    // maxRSS is in kilobytes.
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    seconds,
    callbacksPerSecond: callbacks / seconds,
  };
}

/** Runs the memory scenario in a fresh child process (compiled, see build.ts) and resolves with its figures. */
export function runMemoryScenario(callbacks: number, nodeFlags: readonly string[]): Promise<MemoryFigures> {
  return new Promise((resolve, reject) => {
    const worker = fork(compiled('bench/memory.ts'), [String(callbacks)], {
      execArgv: [...nodeFlags, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let figures: MemoryFigures | undefined;
    worker.on('message', (message: MemoryFigures) => {
      figures = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (figures !== undefined && code === 0) resolve(figures);
      else reject(new Error(`memory scenario exited with code ${String(code)}`));
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  child(Number(process.argv[2] ?? 1_000_000))
    .then((figures) => {
      process.send?.(figures, () => process.exit(0));
      if (process.send === undefined) console.log(figures);
    })
    .catch((error: unknown) => {
      console.error('[bench memory] failed', error);
      process.exit(1);
    });
}
