/** Turns the figures into the printed table and the JSON file under bench/results/. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { dirname } from 'node:path';
import type { ServerStats } from './apps.js';
import type { BenchConfig } from './config.js';
import type { LoadFigures } from './load.js';
import type { MemoryFigures } from './memory.js';
import type { MidiFigures } from './midi.js';
import type { Target } from './scenarios.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  memoryGB: number;
  date: string;
  /** The measured checkout: `git rev-parse HEAD`, with `-dirty` when it had uncommitted changes. */
  commit: string;
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    os: `${osType()} ${release()} ${process.arch}`,
    memoryGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    date: new Date().toISOString(),
    commit: gitCommit(),
  };
}

export interface ScenarioResult {
  id: string;
  title: string;
  server: string;
  /** Requests per second the load generator was held to; absent when it ran flat out. */
  fixedRate?: number;
  /** The median round (by throughput); the other rounds' throughput is in `roundsRequestsPerSecond`. */
  figures?: LoadFigures;
  roundsRequestsPerSecond: number[];
  /** Throughput over the reference's, or for fixed-rate runs p99 over the reference's p99. */
  ratio?: number;
  /**
   * The reference's server CPU per request over this one's: the throughput ratio each would reach with a core to
   * itself. Steadier than `ratio` when other processes take CPU from whichever server happens to be running.
   */
  cpuRatio?: number;
  ratioOf: 'throughput' | 'p99';
  target?: Target;
  targetMet?: boolean;
  /** CPU time the server child used per second of the median round (1.0 = one core busy). */
  serverCpu?: number;
  /** CPU time the load generator used per second of the median round. */
  clientCpu?: number;
  /** Server CPU time per request, median over the rounds, in microseconds. */
  serverMicrosPerRequest?: number;
  /**
   * Server CPU time per request over a fixed number of requests (`process.cpuUsage` in the server before and after),
   * median over the rounds of the CPU phase, in microseconds.
   */
  cpuMicrosPerRequest?: number;
  serverStats?: ServerStats;
  skipped?: string;
}

export interface TargetLine {
  name: string;
  measured: string;
  goal: string;
  met: boolean;
}

export interface BenchResults {
  machine: MachineInfo;
  config: Omit<BenchConfig, 'nodeFlags'> & { nodeFlags: string; command: string };
  scenarios: ScenarioResult[];
  memory?: MemoryFigures;
  midi?: MidiFigures;
  targets: TargetLine[];
  /** Reasons the figures cannot be trusted (refusals counted, errors); empty for a valid run. */
  problems: string[];
}

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);

/** A Markdown table: readable in a terminal and pasteable into the README. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const lines = [
    '| # | scenario | req/s | ratio | p50 ms | p99 ms | max ms | non-2xx | errors | server CPU µs/req | CPU ratio | CPU µs/req, fixed count |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const result of results) {
    if (result.figures === undefined) {
      lines.push(`| ${result.id} | ${result.title} | skipped: ${result.skipped ?? 'no figures'} | | | | | | | | | |`);
      continue;
    }
    const { figures } = result;
    const title = result.fixedRate === undefined ? result.title : `${result.title} (${result.fixedRate}/s)`;
    const ratio =
      result.ratio === undefined ? '' : result.ratioOf === 'p99' ? `p99 ${fixed(result.ratio, 2)}×` : `${fixed(result.ratio, 2)}×`;
    lines.push(
      `| ${result.id} | ${title} | ${Math.round(figures.requestsPerSecond).toLocaleString('en-US')} | ${ratio} | ` +
        `${fixed(figures.latencyMs.p50, 2)} | ${fixed(figures.latencyMs.p99, 2)} | ${fixed(figures.latencyMs.max, 1)} | ` +
        `${figures.non2xx} | ${figures.errors + figures.mismatches} | ` +
        `${fixed(result.serverMicrosPerRequest, 0)} | ${result.cpuRatio === undefined ? '' : `${fixed(result.cpuRatio, 2)}×`} | ` +
        `${result.cpuMicrosPerRequest === undefined ? '' : fixed(result.cpuMicrosPerRequest, 1)} |`,
    );
  }
  return lines.join('\n');
}

export function formatTargets(targets: readonly TargetLine[]): string {
  return targets.map((line) => `${line.met ? 'met    ' : 'NOT MET'}  ${line.name}: ${line.measured} (target ${line.goal})`).join('\n');
}

export function formatMemory(memory: MemoryFigures): string {
  return [
    `${memory.callbacks.toLocaleString('en-US')} unique callbacks in-process (claim + dispatch), memory store bound ${memory.storeBound.toLocaleString('en-US')}:`,
    `  RSS ${fixed(memory.rssBeforeMB, 1)} MB -> ${fixed(memory.rssAfterMB, 1)} MB after gc (growth ${fixed(memory.rssGrowthMB, 1)} MB, peak ${fixed(memory.peakRssMB, 1)} MB); ` +
      `heap used ${fixed(memory.heapUsedBeforeMB, 1)} -> ${fixed(memory.heapUsedAfterMB, 1)} MB`,
    `  ${memory.received.toLocaleString('en-US')} received, ${memory.listenerCalls.toLocaleString('en-US')} listener calls, ` +
      `${memory.storeSize.toLocaleString('en-US')} keys held; ${fixed(memory.seconds, 1)} s (${Math.round(memory.callbacksPerSecond).toLocaleString('en-US')} callbacks/s in-process)`,
  ].join('\n');
}

export function formatMidi(midi: MidiFigures): string {
  const steps = Object.entries(midi.stepsMs)
    .map(([name, ms]) => `${name} ${fixed(ms, 1)} ms`)
    .join(', ');
  return [
    `2 MB MIDI callback (${(midi.bodyBytes / 1024 / 1024).toFixed(2)} MiB, ${midi.notes.toLocaleString('en-US')} notes) through the middleware:`,
    `  longest event-loop block per run: ${midi.blockMs.map((ms) => fixed(ms, 1)).join(', ')} ms (worst ${fixed(midi.worstBlockMs, 1)} ms)`,
    `  in-process steps (median): ${steps}`,
  ].join('\n');
}

export function writeResults(path: string, results: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
