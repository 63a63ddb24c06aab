/**
 * Drives app instances in child processes (store-worker.ts) and plays the provider: signed callbacks built from the
 * documented fixtures, each with its own 32-hex task id, delivered over real HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECRET } from './app.js';
import { fixture, fixtureIndex } from './fixtures.js';
import { redisAnswers } from './services.js';
import type { WorkerConfig } from './store-worker.js';
import { signatureHeaders } from '../../lib/signature.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const WORKER = join(here, 'store-worker.ts');

export type WorkerLine =
  | { type: 'ready'; port: number; pid: number }
  | { type: 'started' | 'processed'; key: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'log'; level: string; message: string }
  | { type: 'unhandled'; message: string };

export interface Worker {
  readonly port: number;
  readonly lines: WorkerLine[];
  /** Keys whose listener ended (`processed`) or began (`started`), in order, repeats kept. */
  keys(type: 'started' | 'processed'): string[];
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  readonly alive: boolean;
  stats(): Promise<{ inFlight: number }>;
  /** SIGTERM: the worker closes the middleware and its client, then exits. */
  stop(): Promise<number | string>;
  /** SIGKILL: no clean-up of any kind, as in a crash. */
  kill(): Promise<number | string>;
  /** Everything the worker wrote to stderr, for failure messages. */
  readonly stderr: string;
}

const running = new Set<ChildProcess>();

/** Starts a worker and resolves once it listens. */
export function startWorker(config: WorkerConfig, timeoutMs = 20_000): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(config)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: WorkerLine[] = [];
  let stderr = '';
  let buffered = '';
  let alive = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      alive = false;
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });

  return new Promise<Worker>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker did not start within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it was ready\n${stderr}`));
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let line: WorkerLine;
        try {
          line = JSON.parse(text) as WorkerLine;
        } catch {
          continue;
        }
        lines.push(line);
        if (line.type === 'ready') {
          clearTimeout(timer);
          const port = line.port;
          const base = `http://127.0.0.1:${port}`;
          resolve({
            port,
            lines,
            exited,
            get alive() {
              return alive;
            },
            get stderr() {
              return stderr;
            },
            keys: (type) => lines.flatMap((entry) => (entry.type === type ? [entry.key] : [])),
            stats: async () => (await (await fetch(`${base}/stats`)).json()) as { inFlight: number },
            stop: () => {
              if (alive) child.kill('SIGTERM');
              return exited;
            },
            kill: () => {
              if (alive) child.kill('SIGKILL');
              return exited;
            },
          });
        }
      }
    });
  });
}

/** Kills whatever a failed test left running, so jest can exit. */
export async function killAll(): Promise<void> {
  const waits = [...running].map((child) => new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  }));
  await Promise.all(waits);
}

export interface Callback {
  key: string;
  taskId: string;
  path: string;
  text: string;
}

/** `count` distinct callbacks, cycling through the documented fixtures, each with a fresh 32-hex task id. */
export function makeCallbacks(count: number): Callback[] {
  return Array.from({ length: count }, (_, index) => {
    const entry = fixtureIndex[index % fixtureIndex.length];
    if (entry === undefined) throw new Error('no fixtures');
    const body = fixture(entry.file);
    const taskId = randomBytes(16).toString('hex');
    // Where the receiver looks for the id, in its order; the first field present is the one it uses.
    const data = typeof body.data === 'object' && body.data !== null ? (body.data as Record<string, unknown>) : undefined;
    if (data !== undefined && 'task_id' in data) data.task_id = taskId;
    else if (data !== undefined && 'taskId' in data) data.taskId = taskId;
    else if ('taskId' in body) body.taskId = taskId;
    else body.task_id = taskId;
    return {
      key: `${entry.kind}:${taskId}:${entry.stage}`,
      taskId,
      path: entry.needsRouteHint ? `/suno/callback/${entry.kind}` : '/suno/callback',
      text: JSON.stringify(body),
    };
  });
}

export interface Delivery {
  status: number;
  body: { status?: string; error?: string };
  retryAfter: string | null;
}

/** One signed delivery of `callback` to the worker on `port`, as the provider sends it. */
export async function deliver(port: number, callback: Callback): Promise<Delivery> {
  const response = await fetch(`http://127.0.0.1:${port}${callback.path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...signatureHeaders(SECRET, callback.taskId) },
    body: callback.text,
  });
  return {
    status: response.status,
    body: (await response.json()) as Delivery['body'],
    retryAfter: response.headers.get('retry-after'),
  };
}

/** Runs `tasks` with at most `limit` at once. */
export async function pool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Resolves once every worker has no listener running. */
export async function idle(workers: readonly Worker[]): Promise<void> {
  await waitFor('the workers to be idle', async () => {
    const stats = await Promise.all(workers.map((worker) => worker.stats()));
    return stats.every((entry) => entry.inFlight === 0);
  });
}

/** Counts of each key among `keys`. */
export function tally(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

export { freePort } from './ports.js';

/** A private, throwaway redis-server (no persistence) on `port`; resolves once it answers. */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: 'ignore',
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  await waitFor(`redis-server on port ${port}`, () => redisAnswers(port, 200), 10_000);
  return child;
}

/** Ends a child process with `signal` and resolves once it is gone. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
