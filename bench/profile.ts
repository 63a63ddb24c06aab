/**
 * `npx tsx bench/profile.ts [kind[,kind...]] [seconds]`: runs each server child under `node --cpu-prof` at full load
 * and prints the functions with the most self time, then the same grouped by where the code lives (this package,
 * Express and its dependencies, Node's own HTTP stack, GC), in µs per request side by side. The profile is kept under bench/results/ (git-ignored) for a closer
 * look in Chrome DevTools.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isServerKind, type ServerKind } from './apps.js';
import { octokitRequests, sunoRequests } from './bodies.js';
import { buildForBench } from './build.js';
import { loadConfig } from './config.js';
import { runLoad } from './load.js';
import { startServer } from './servers.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** A readable location: `lib/pipeline.js`, `express/lib/router.js`, `node:_http_server`. */
function shorten(url: string): string {
  const build = url.indexOf('/suno-callbacks-bench/');
  if (build !== -1) return url.slice(url.indexOf('/', build + '/suno-callbacks-bench/'.length) + 1);
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) return url.slice(modules + '/node_modules/'.length);
  return url.replace(/^file:\/\/.*?\/(lib|bench)\//, '$1/');
}

function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collector';
  if (name === '(idle)' || name === '(program)' || name === '(root)') return name;
  if (url === '') return '(native)';
  const short = shorten(url);
  if (short.startsWith('lib/')) return `suno-callbacks ${short}`;
  if (short.startsWith('node:') || short.startsWith('bench/')) return short;
  return /^((?:@[^/]+\/)?[^/]+)/.exec(short)?.[1] ?? short;
}

/**
 * Self time per function and per area, in ms, from a .cpuprofile, leaving out the first `skipMs` of the profile
 * (start-up and warm-up: module loading is not what a running server spends its time on).
 */
export function summarise(
  profile: CpuProfile,
  skipMs = 0,
): { functions: Array<[string, number]>; areas: Array<[string, number]>; totalMs: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let totalMs = 0;
  let elapsedMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    elapsedMs += ms;
    const node = byId.get(id);
    if (node === undefined || elapsedMs < skipMs) return;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const name = functionName === '' ? '(anonymous)' : functionName;
    if (name === '(idle)') return;
    totalMs += ms;
    const file = url === '' ? '' : ` ${shorten(url)}:${lineNumber + 1}:${columnNumber + 1}`;
    const key = `${name}${file}`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
    const group = area(url, name);
    areas.set(group, (areas.get(group) ?? 0) + ms);
  });
  const sorted = (map: Map<string, number>): Array<[string, number]> => [...map].sort((a, b) => b[1] - a[1]);
  return { functions: sorted(functions), areas: sorted(areas), totalMs };
}

interface Profiled {
  kind: ServerKind;
  requestsPerSecond: number;
  requests: number;
  summary: ReturnType<typeof summarise>;
  file: string;
}

async function profileOne(kind: ServerKind, seconds: number): Promise<Profiled> {
  const config = loadConfig();
  const forked = performance.now();
  const server = await startServer(kind, [...config.nodeFlags, '--cpu-prof', '--cpu-prof-dir', RESULTS_DIR]);
  const pid = server.child.pid;
  const load = { url: server.url, connections: config.connections, expectBody: () => true };
  const nextRequest = kind === 'octokit' ? octokitRequests() : sunoRequests();
  await runLoad({ ...load, durationSeconds: 2, nextRequest });
  const skipMs = performance.now() - forked;
  const figures = await runLoad({ ...load, durationSeconds: seconds, nextRequest });
  await server.stop();
  // One profile per thread; the main thread's has thread id 0 in its name.
  const file = readdirSync(RESULTS_DIR).find((entry) => entry.endsWith('.cpuprofile') && entry.includes(`.${String(pid)}.0.`));
  if (file === undefined) throw new Error(`no profile written to ${RESULTS_DIR}`);
  const summary = summarise(JSON.parse(readFileSync(join(RESULTS_DIR, file), 'utf8')) as CpuProfile, skipMs);
  return { kind, requestsPerSecond: figures.requestsPerSecond, requests: figures.total, summary, file: join(RESULTS_DIR, file) };
}

/**
 * `tsx bench/profile.ts suno-memory 15`, or several kinds at once (`ceiling,suno-memory`) to see, area by area, where
 * one spends the CPU time per request that the other does not.
 */
async function main(): Promise<void> {
  const kinds = (process.argv[2] ?? 'suno-memory').split(',');
  const seconds = Number(process.argv[3] ?? 10);
  for (const kind of kinds) if (!isServerKind(kind)) throw new Error(`unknown server kind "${kind}"`);
  await buildForBench();
  const runs: Profiled[] = [];
  for (const kind of kinds as ServerKind[]) runs.push(await profileOne(kind, seconds));

  const perRequest = (run: Profiled, ms: number): number => (ms * 1000) / Math.max(1, run.requests);
  for (const run of runs) {
    const { summary } = run;
    console.log(
      `\n${run.kind}: ${Math.round(run.requestsPerSecond)} req/s for ${seconds} s (the 2 s warm-up left out); ` +
        `${perRequest(run, summary.totalMs).toFixed(1)} µs of CPU samples per request. Top self time:`,
    );
    for (const [fn, ms] of summary.functions.slice(0, 30)) {
      console.log(`${((ms / summary.totalMs) * 100).toFixed(1).padStart(5)}%  ${perRequest(run, ms).toFixed(1).padStart(6)} µs  ${fn}`);
    }
    console.log(`profile: ${run.file}`);
  }

  const areas = [...new Set(runs.flatMap((run) => run.summary.areas.slice(0, 25).map(([area]) => area)))];
  console.log(`\nSelf time by area, µs per request:\n${'area'.padEnd(40)}${runs.map((run) => run.kind.padStart(14)).join('')}`);
  for (const area of areas) {
    const cells = runs.map((run) => perRequest(run, run.summary.areas.find(([name]) => name === area)?.[1] ?? 0).toFixed(1).padStart(14));
    console.log(`${area.padEnd(40)}${cells.join('')}`);
  }
  console.log(`${'total'.padEnd(40)}${runs.map((run) => perRequest(run, run.summary.totalMs).toFixed(1).padStart(14)).join('')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error('[bench profile] failed', error);
    process.exitCode = 1;
  });
}
