/** Starts bullmq-child.ts processes (web or worker role) and reads what they report. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildConfig } from './bullmq-child.js';
import type { WorkerLine } from './workers.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const CHILD = join(here, 'bullmq-child.ts');

export interface Child {
  readonly port: number;
  readonly lines: WorkerLine[];
  keys(type: 'started' | 'processed'): string[];
  readonly exited: Promise<number | string>;
  stop(): Promise<number | string>;
  kill(): Promise<number | string>;
  readonly stderr: string;
}

const running = new Set<ChildProcess>();

export function startChild(config: ChildConfig, timeoutMs = 90_000): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], {
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
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${config.role} did not start within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${config.role} exited (${code}) before it was ready\n${stderr}`));
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
        if (line.type !== 'ready') continue;
        clearTimeout(timer);
        resolve({
          port: line.port,
          lines,
          exited,
          get stderr() {
            return stderr;
          },
          keys: (type) => lines.flatMap((entry) => (entry.type === type ? [entry.key] : [])),
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
    });
  });
}

/** Kills whatever a failed test left running, so jest can exit. */
export async function killChildren(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Every `processed` key of `children`, repeats kept. */
export function processed(children: readonly Child[]): string[] {
  return children.flatMap((child) => child.keys('processed'));
}
