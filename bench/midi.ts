/**
 * The large-body scenario: a 2 MB MIDI callback through the middleware, in a server child that measures its own
 * event loop (perf_hooks monitorEventLoopDelay at 1 ms resolution) from before the request until the `midi-ready`
 * listener has run, so reading, parsing, the depth check, schema validation, classification and normalisation are
 * all inside the window. Also times each of those steps in-process, to show where the block comes from.
 */
import { fork } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { classify, type JsonObject } from '../lib/classify.js';
import { dedupeKey, toEvent } from '../lib/normalize.js';
import { resolveOptions } from '../lib/options.js';
import { Pipeline } from '../lib/pipeline.js';
import { precompiledValidators } from '../lib/schemas/compiled-validators.js';
import { nodeCrypto } from '../lib/signature.js';
import { midiBody, sunoRequests, sunoSignature, type BenchRequest } from './bodies.js';
import { compiled } from './build.js';
import { BENCH_SECRET } from './config.js';
import { startServer } from './servers.js';

export interface MidiFigures {
  bodyBytes: number;
  notes: number;
  /** Longest event-loop block seen while each MIDI callback went through, in ms (one entry per run). */
  blockMs: number[];
  worstBlockMs: number;
  /** Median in-process time of each step for the same body, in ms. */
  stepsMs: Record<string, number>;
}

function post(url: string, req: BenchRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(req.body);
    const outgoing = request(
      `${url}${req.path}`,
      { method: 'POST', headers: { ...req.headers, 'content-length': String(payload.length) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    outgoing.once('error', reject);
    outgoing.end(payload);
  });
}

function signedMidi(taskId: string): BenchRequest {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    path: '/suno/callback',
    headers: {
      'content-type': 'application/json',
      'x-webhook-timestamp': timestamp,
      'x-webhook-signature': sunoSignature(BENCH_SECRET, taskId, timestamp),
    },
    body: midiBody(taskId),
  };
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/** Each step of the pipeline on the 2 MB body, timed on its own (median of `runs`, after as many warm-up runs). */
async function timeSteps(runs: number): Promise<Record<string, number>> {
  const text = midiBody('midi-steps');
  const validate = precompiledValidators().midi;
  const pipeline = new Pipeline(
    resolveOptions({ allowUnsigned: true, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: console.error } }),
    nodeCrypto([]),
  );
  const samples: Record<string, number[]> = { 'JSON.parse': [], 'schema (ajv)': [], classify: [], 'normalise (toEvent)': [], 'pipeline.receive (all checks)': [] };
  for (let i = 0; i < runs * 2; i += 1) {
    const record = i >= runs;
    let body: JsonObject = {};
    const parse = time(() => {
      body = JSON.parse(text) as JsonObject;
    });
    const schema = time(() => validate(body));
    let classified: ReturnType<typeof classify> = { missing: 'task_id' };
    const classifying = time(() => {
      classified = classify(body, undefined);
    });
    if ('missing' in classified) throw new Error('the MIDI body did not classify');
    const { kind, stage, taskId, code } = classified;
    const normalise = time(() =>
      toEvent({ kind: kind ?? 'unknown', stage, taskId: `${taskId}-${i}`, code, key: dedupeKey(kind ?? 'unknown', taskId, stage), receivedAt: new Date(), body }),
    );
    // receive() with the memory store answers without any real wait: timing its promise measures the sync work.
    const bytes = Buffer.from(text.replace('"midi-steps"', `"midi-steps-${i}"`));
    const started = performance.now();
    const receipt = await pipeline.receive({ body: { type: 'bytes', bytes }, kindHint: undefined, timestamp: undefined, signature: undefined, token: undefined });
    const receive = performance.now() - started;
    if (receipt.answer.status !== 200) throw new Error(`receive answered ${receipt.answer.status}`);
    receipt.dispatch?.();
    if (record) {
      samples['JSON.parse']?.push(parse);
      samples['schema (ajv)']?.push(schema);
      samples.classify?.push(classifying);
      samples['normalise (toEvent)']?.push(normalise);
      samples['pipeline.receive (all checks)']?.push(receive);
    }
  }
  await pipeline.close();
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/** Sends `runs` 2 MB MIDI callbacks (after a warm-up of small ones) and reports the longest block of each. */
export async function runMidiScenario(runs: number, nodeFlags: readonly string[]): Promise<MidiFigures> {
  const server = await startServer('suno-midi', nodeFlags);
  try {
    // Warm the code paths with ordinary callbacks first: the first request of a process is not representative.
    const next = sunoRequests();
    for (let i = 0; i < 200; i += 1) {
      const answer = await post(server.url, next());
      if (answer.status !== 200) throw new Error(`warm-up answered ${answer.status} ${answer.body}`);
    }
    const blockMs: number[] = [];
    let bodyBytes = 0;
    let notes = 0;
    for (let run = 0; run < runs; run += 1) {
      const taskId = `midi-${process.pid}-${Date.now()}-${run}`;
      const midi = signedMidi(taskId);
      bodyBytes = Buffer.byteLength(midi.body);
      server.send({ type: 'loop-start' });
      await delay(50);
      const answer = await post(server.url, midi);
      if (answer.status !== 200) throw new Error(`the MIDI callback answered ${answer.status} ${answer.body}`);
      // The warm-up's small MIDI fixtures fired the listener too: wait for this callback's own event.
      for (;;) {
        const ready = await server.next('midi-ready');
        if (ready.taskId !== taskId) continue;
        notes = ready.notes;
        break;
      }
      // The monitor records a block when the timer after it fires: give it a few ticks.
      await delay(50);
      server.send({ type: 'loop-read' });
      blockMs.push((await server.next('loop')).maxMs);
    }
    await server.stop();
    return { bodyBytes, notes, blockMs, worstBlockMs: Math.max(...blockMs), stepsMs: await stepsInChild(runs, nodeFlags) };
  } finally {
    if (server.child.exitCode === null) server.child.kill();
  }
}

/** Times the steps in a compiled child, like the servers, rather than in this tsx process. */
function stepsInChild(runs: number, nodeFlags: readonly string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const worker = fork(compiled('bench/midi.ts'), ['steps', String(runs)], {
      execArgv: [...nodeFlags],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let stepsMs: Record<string, number> | undefined;
    worker.on('message', (message: Record<string, number>) => {
      stepsMs = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (stepsMs !== undefined && code === 0) resolve(stepsMs);
      else reject(new Error(`MIDI step timing exited with code ${String(code)}`));
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'steps') {
  timeSteps(Number(process.argv[3] ?? 5))
    .then((stepsMs) => {
      if (process.send === undefined) console.log(stepsMs);
      else process.send(stepsMs, () => process.exit(0));
    })
    .catch((error: unknown) => {
      console.error('[bench midi] failed', error);
      process.exit(1);
    });
}
