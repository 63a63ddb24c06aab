import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the package as its author has it. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the whole process group after this long. @default 60_000 */
  timeoutMs?: number;
}

/**
 * The environment for a nested npm or node: jest may itself run under `npm test`, whose `npm_package_*` and
 * `npm_lifecycle_*` variables describe this repository and would leak into the consumer project's npm.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_/i.test(name) || name === 'INIT_CWD' || name === 'NODE_OPTIONS') continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs a command to completion and never rejects: the caller asserts on the result, so a failure shows the output.
 * The child gets its own process group so that a timeout also stops what it started (npm runs tsc through a shell).
 */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n[run] killed after ${options.timeoutMs ?? 60_000} ms`;
      killGroup(child.pid);
    }, options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      stderr += `\n[run] ${String(error)}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Ends a process group this file started (by its leader's pid); already gone is fine. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group has already exited.
  }
}

/** Throws with the command's output when it did not exit 0, so a broken build or install explains itself. */
export function assertSucceeded(what: string, result: RunResult): RunResult {
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code ?? result.signal})\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result;
}

// What the author's working tree has that a package never should: rebuilt or irrelevant to packing.
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', 'coverage']);

/**
 * A copy of the repository with a fresh, empty `dist/`, so that packing proves what `prepack` builds from the sources
 * rather than what a stale earlier build left behind, and so that it never races another test writing `dist/`.
 * `node_modules` is linked, not copied: the build only needs the compiler from it.
 */
export function stageRepository(into: string): string {
  const stage = join(into, 'stage');
  cpSync(PACKAGE_ROOT, stage, {
    recursive: true,
    filter: (source) => {
      const path = relative(PACKAGE_ROOT, source);
      const top = path.split(/[\\/]/)[0] ?? '';
      return !NOT_COPIED.has(top) && !path.endsWith('.tgz');
    },
  });
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
  return stage;
}

export interface Packed {
  /** Absolute path of the tarball. */
  tarball: string;
  /** Paths inside the tarball, relative to its `package/` folder, as `npm pack --json` lists them. */
  files: string[];
}

/** `npm pack` (which runs `prepack`, hence the build) into `destination`. */
export async function pack(stage: string, destination: string, timeoutMs = 120_000): Promise<Packed> {
  const result = assertSucceeded(
    'npm pack',
    await run('npm', ['pack', '--json', '--pack-destination', destination], { cwd: stage, timeoutMs }),
  );
  const report = JSON.parse(result.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const entry = report[0];
  if (entry === undefined) throw new Error(`npm pack reported nothing:\n${result.stdout}`);
  const tarball = join(destination, basename(entry.filename));
  if (!readdirSync(destination).includes(basename(tarball))) throw new Error(`npm pack did not write ${tarball}`);
  return { tarball, files: entry.files.map((file) => file.path).sort() };
}

/** The version of a package installed in this repository, so the consumer installs the exact copy already cached. */
export function installedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** A fresh temporary directory; the caller removes it. */
export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export { freePort } from './ports.js';
