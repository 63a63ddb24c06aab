/**
 * `npm run bench`: every scenario in one run, so the figures compare. Each server runs alone in a child process; the
 * load generator (autocannon) runs here. Scenarios are interleaved over several rounds and the median round is kept,
 * because a shared 2-core machine drifts. Settings: see config.ts (BENCH_DURATION, BENCH_ROUNDS, ...).
 *
 * Exits non-zero when a figure cannot be trusted (a refusal, a mismatch or a server-side error was counted); a missed
 * target is reported, not fatal.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerKind, ServerStats } from './apps.js';
import { buildForBench } from './build.js';
import { loadConfig } from './config.js';
import { runLoad, type LoadFigures } from './load.js';
import { runMemoryScenario, type MemoryFigures } from './memory.js';
import { runMidiScenario, type MidiFigures } from './midi.js';
import {
  formatMemory,
  formatMidi,
  formatTable,
  formatTargets,
  machineInfo,
  writeResults,
  type BenchResults,
  type ScenarioResult,
  type TargetLine,
} from './report.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { startServer, type RunningServer } from './servers.js';

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const LIB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib');

async function unavailable(scenario: Scenario): Promise<string | undefined> {
  if (scenario.needsPackage !== undefined && !existsSync(join(LIB_DIR, '..', 'node_modules', scenario.needsPackage))) {
    return `the ${scenario.needsPackage} package is not installed (npm install --no-save ${scenario.needsPackage})`;
  }
  if (scenario.requires !== undefined && !existsSync(join(LIB_DIR, 'stores', `${scenario.requires}.ts`))) {
    return `lib/stores/${scenario.requires}.ts does not exist yet`;
  }
  if (scenario.requires === 'redis' && !(await reachable(6379))) {
    return 'Redis is not answering on 127.0.0.1:6379 (start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no)';
  }
  if (scenario.requires === 'postgres' && !(await reachable(5432))) {
    return 'PostgreSQL is not answering on 127.0.0.1:5432 (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)';
  }
  return undefined;
}

async function serverCpuMicros(server: RunningServer): Promise<number> {
  const reply = server.next('cpu');
  server.send({ type: 'cpu' });
  return (await reply).micros;
}

interface Measured {
  figures: LoadFigures;
  serverCpu: number;
  clientCpu: number;
  /** Server CPU time per answered request: less sensitive to other load on the machine than throughput. */
  serverMicrosPerRequest: number;
}

interface Entry {
  scenario: Scenario;
  server: RunningServer;
  rate: number | undefined;
}

/**
 * Warms up, then loads every entry's server at the same time (one entry: a plain run). Scenarios measured together
 * share whatever else the machine is doing, which is what makes their comparison fair on a noisy machine.
 */
async function measure(entries: readonly Entry[]): Promise<Measured[]> {
  const config = loadConfig();
  const loads = entries.map(({ scenario, server, rate }) => ({
    url: server.url,
    connections: rate === undefined ? config.connections : config.rateConnections,
    expectBody: scenario.expectBody,
    ...(rate === undefined ? {} : { rate }),
  }));
  if (config.warmupSeconds > 0) {
    await Promise.all(
      loads.map((load, index) =>
        runLoad({ ...load, durationSeconds: config.warmupSeconds, nextRequest: (entries[index] as Entry).scenario.makeRequests() }),
      ),
    );
  }
  const serverBefore = await Promise.all(entries.map(({ server }) => serverCpuMicros(server)));
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const results = await Promise.all(
    loads.map((load, index) =>
      runLoad({ ...load, durationSeconds: config.durationSeconds, nextRequest: (entries[index] as Entry).scenario.makeRequests() }),
    ),
  );
  const elapsedMicros = (performance.now() - started) * 1000;
  const client = process.cpuUsage(clientBefore);
  const serverAfter = await Promise.all(entries.map(({ server }) => serverCpuMicros(server)));
  return results.map((figures, index) => {
    const used = (serverAfter[index] as number) - (serverBefore[index] as number);
    return {
      figures,
      serverCpu: used / elapsedMicros,
      clientCpu: (client.user + client.system) / elapsedMicros,
      serverMicrosPerRequest: used / Math.max(1, figures.total),
    };
  });
}

/**
 * Server CPU per request over a fixed number of requests: `process.cpuUsage()` in the server child before and after
 * exactly `amount` requests, one server at a time, in a rotated order per round. A count rather than a duration
 * spreads no idle time or connection set-up over different request totals.
 */
async function measureCpu(scenario: Scenario, server: RunningServer, amount: number): Promise<number> {
  const config = loadConfig();
  const before = await serverCpuMicros(server);
  const figures = await runLoad({
    url: server.url,
    connections: config.connections,
    durationSeconds: 0,
    amount,
    expectBody: scenario.expectBody,
    nextRequest: scenario.makeRequests(),
  });
  const used = (await serverCpuMicros(server)) - before;
  if (figures.ok !== figures.total) {
    throw new Error(`CPU phase, scenario ${scenario.id}: ${figures.total - figures.ok} of ${figures.total} answers were not the expected 2xx`);
  }
  return used / figures.total;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

function medianRound(rounds: readonly Measured[]): Measured {
  const sorted = [...rounds].sort((a, b) => a.figures.requestsPerSecond - b.figures.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Measured;
}

/**
 * The fixed-rate scenarios ran side by side, round by round: keep, for all of them, the round whose p99 ratio (the
 * one with a target over its reference) is the median one, so the figures shown are those the ratio comes from.
 */
function fixedRateRoundIndex(rounds: ReadonlyMap<string, Measured[]>): number {
  const compared = SCENARIOS.find((scenario) => scenario.fixedRate === true && scenario.reference !== scenario.id && rounds.has(scenario.id));
  const measured = compared === undefined ? undefined : rounds.get(compared.id);
  const reference = compared === undefined ? undefined : rounds.get(compared.reference);
  if (measured === undefined || reference === undefined) return 0;
  const ratios = measured.map((round, index) => ({
    index,
    ratio: round.figures.latencyMs.p99 / ((reference[index] as Measured).figures.latencyMs.p99),
  }));
  ratios.sort((a, b) => a.ratio - b.ratio);
  return (ratios[Math.floor((ratios.length - 1) / 2)] as { index: number }).index;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const machine = machineInfo();
  console.log(
    `suno-callbacks benchmark at ${machine.commit}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ` +
      `${config.rounds} round(s) x ${config.durationSeconds} s (+${config.warmupSeconds} s warm-up), ` +
      `${config.connections} connections, fixed rate ${config.fixedRate}/s over ${config.rateConnections} connections`,
  );

  console.log('compiling lib/ and bench/ with tsc for the server processes...');
  await buildForBench();

  const selected = (id: string): boolean => config.only.length === 0 || config.only.includes(id);
  const skipped = new Map<string, string>();
  for (const scenario of SCENARIOS) {
    const reason = selected(scenario.id) ? await unavailable(scenario) : 'not selected (BENCH_ONLY)';
    if (reason === undefined) continue;
    skipped.set(scenario.id, reason);
    if (selected(scenario.id)) console.warn(`\n!!! scenario ${scenario.id} (${scenario.title}) SKIPPED: ${reason}\n`);
  }
  const active = SCENARIOS.filter((scenario) => !skipped.has(scenario.id));

  const servers = new Map<ServerKind, RunningServer>();
  const rounds = new Map<string, Measured[]>();
  const stats = new Map<ServerKind, ServerStats>();
  const cpuRounds = new Map<string, number[]>();
  try {
    for (const scenario of active) {
      if (!servers.has(scenario.server)) servers.set(scenario.server, await startServer(scenario.server, config.nodeFlags));
    }
    const flatOut = active.filter((scenario) => scenario.fixedRate !== true);
    const fixedRate = active.filter((scenario) => scenario.fixedRate === true);
    for (let round = 0; round < config.rounds; round += 1) {
      // Rotate the order each round so no scenario always runs first (or right after the heaviest one). The
      // fixed-rate scenarios compare latencies, which the machine's other load moves most: they run side by side.
      const groups: Scenario[][] = flatOut.map((_, index) => [flatOut[(index + round) % flatOut.length] as Scenario]);
      if (fixedRate.length > 0) groups.splice(round % (groups.length + 1), 0, fixedRate);
      for (const group of groups) {
        const entries = group.map((scenario) => ({
          scenario,
          server: servers.get(scenario.server) as RunningServer,
          rate: scenario.fixedRate === true ? config.fixedRate : undefined,
        }));
        const measured = await measure(entries);
        measured.forEach((result, index) => {
          const scenario = (entries[index] as Entry).scenario;
          const list = rounds.get(scenario.id) ?? [];
          list.push(result);
          rounds.set(scenario.id, list);
          const { figures } = result;
          console.log(
            `round ${round + 1}/${config.rounds}  ${scenario.id.padEnd(3)} ${scenario.title.padEnd(56)} ` +
              `${Math.round(figures.requestsPerSecond).toString().padStart(6)} req/s  p99 ${figures.latencyMs.p99.toFixed(2)} ms  ` +
              `non-2xx ${figures.non2xx}  mismatches ${figures.mismatches}  errors ${figures.errors}  ` +
              `cpu server ${result.serverCpu.toFixed(2)} (${result.serverMicrosPerRequest.toFixed(0)} µs/req) client ${result.clientCpu.toFixed(2)}`,
          );
        });
      }
    }
    if (config.cpuRequests > 0) {
      console.log(`\nCPU per request: ${config.cpuRequests.toLocaleString('en-US')} requests per server and round...`);
      const measurable = active.filter((scenario) => scenario.fixedRate !== true);
      for (let round = 0; round < config.rounds; round += 1) {
        for (let index = 0; index < measurable.length; index += 1) {
          const scenario = measurable[(index + round) % measurable.length] as Scenario;
          const micros = await measureCpu(scenario, servers.get(scenario.server) as RunningServer, config.cpuRequests);
          const list = cpuRounds.get(scenario.id) ?? [];
          list.push(micros);
          cpuRounds.set(scenario.id, list);
          console.log(`cpu round ${round + 1}/${config.rounds}  ${scenario.id.padEnd(3)} ${scenario.title.padEnd(56)} ${micros.toFixed(1)} µs/req`);
        }
      }
    }
  } finally {
    for (const [kind, server] of servers) stats.set(kind, await server.stop());
  }

  const problems: string[] = [];
  const fixedRound = fixedRateRoundIndex(rounds);
  const results: ScenarioResult[] = SCENARIOS.map((scenario) => {
    const base = {
      id: scenario.id,
      title: scenario.title,
      server: scenario.server,
      ratioOf: scenario.fixedRate === true ? ('p99' as const) : ('throughput' as const),
      ...(scenario.fixedRate === true ? { fixedRate: config.fixedRate } : {}),
      ...(scenario.target === undefined ? {} : { target: scenario.target }),
    };
    const measuredRounds = rounds.get(scenario.id);
    if (measuredRounds === undefined) {
      return { ...base, roundsRequestsPerSecond: [], skipped: skipped.get(scenario.id) ?? 'not run' };
    }
    const chosen = scenario.fixedRate === true ? (measuredRounds[fixedRound] as Measured) : medianRound(measuredRounds);
    const serverStats = stats.get(scenario.server);
    return {
      ...base,
      figures: chosen.figures,
      roundsRequestsPerSecond: measuredRounds.map((measured) => Math.round(measured.figures.requestsPerSecond)),
      serverCpu: chosen.serverCpu,
      clientCpu: chosen.clientCpu,
      serverMicrosPerRequest: median(measuredRounds.map((measured) => measured.serverMicrosPerRequest)),
      ...(cpuRounds.has(scenario.id) ? { cpuMicrosPerRequest: median(cpuRounds.get(scenario.id) as number[]) } : {}),
      ...(serverStats === undefined ? {} : { serverStats }),
    };
  });

  for (const result of results) {
    const reference = results.find((candidate) => candidate.id === SCENARIOS.find((s) => s.id === result.id)?.reference);
    if (result.figures !== undefined && reference?.figures !== undefined) {
      result.ratio =
        result.ratioOf === 'p99'
          ? result.figures.latencyMs.p99 / reference.figures.latencyMs.p99
          : result.figures.requestsPerSecond / reference.figures.requestsPerSecond;
      if (result.ratioOf === 'throughput' && result.serverMicrosPerRequest !== undefined && reference.serverMicrosPerRequest !== undefined) {
        result.cpuRatio = reference.serverMicrosPerRequest / result.serverMicrosPerRequest;
      }
    }
    for (const measured of rounds.get(result.id) ?? []) {
      const { figures } = measured;
      if (figures.non2xx + figures.mismatches + figures.errors > 0) {
        problems.push(
          `scenario ${result.id}: ${figures.non2xx} non-2xx, ${figures.mismatches} unexpected bodies, ${figures.errors} errors ` +
            `(status codes ${JSON.stringify(figures.statusCodes)})`,
        );
      }
    }
    if (result.serverStats !== undefined && result.serverStats.rejected + result.serverStats.errors > 0) {
      problems.push(`scenario ${result.id}: the server counted ${result.serverStats.rejected} refusals and ${result.serverStats.errors} errors`);
    }
  }

  let memory: MemoryFigures | undefined;
  if (selected('memory')) {
    console.log('\nMemory scenario...');
    memory = await runMemoryScenario(config.memoryCallbacks, config.nodeFlags);
    if (Object.keys(memory.otherAnswers).length > 0) problems.push(`memory scenario: unexpected answers ${JSON.stringify(memory.otherAnswers)}`);
  }
  let midi: MidiFigures | undefined;
  if (selected('midi')) {
    console.log('2 MB MIDI scenario...');
    midi = await runMidiScenario(config.midiRuns, config.nodeFlags);
  }

  const targets: TargetLine[] = [];
  for (const result of results) {
    if (result.target === undefined || !selected(result.id)) continue;
    const name = `scenario ${result.id} (${result.title})`;
    if (result.ratio === undefined) {
      targets.push({ name, measured: result.skipped ?? 'not measured', goal: '', met: false });
      continue;
    }
    const met = result.target.metric === 'p99' ? result.ratio <= result.target.ratio : result.ratio >= result.target.ratio;
    result.targetMet = met;
    targets.push({
      name,
      measured:
        result.target.metric === 'p99'
          ? `p99 ${result.ratio.toFixed(2)}× the baseline's`
          : `${result.ratio.toFixed(2)}× the baseline's throughput (${result.cpuRatio?.toFixed(2) ?? 'n/a'}× by server CPU per request)`,
      goal: result.target.metric === 'p99' ? `≤ ${result.target.ratio}×` : `≥ ${result.target.ratio}×`,
      met,
    });
  }
  for (const scenario of SCENARIOS) {
    if (scenario.cpuTarget === undefined || !selected(scenario.id)) continue;
    const own = results.find((result) => result.id === scenario.id)?.cpuMicrosPerRequest;
    const against = results.find((result) => result.id === scenario.cpuTarget?.against);
    const name = `scenario ${scenario.id} (${scenario.title}), server CPU per request`;
    const goal = `≤ ${scenario.cpuTarget.ratio}× scenario ${scenario.cpuTarget.against}'s (${against?.title ?? '?'})`;
    if (own === undefined || against?.cpuMicrosPerRequest === undefined) {
      targets.push({ name, measured: 'not measured (run both scenarios with BENCH_CPU_REQUESTS > 0)', goal, met: false });
      continue;
    }
    const ratio = own / against.cpuMicrosPerRequest;
    targets.push({
      name,
      measured: `${own.toFixed(1)} µs against ${against.cpuMicrosPerRequest.toFixed(1)} µs (${ratio.toFixed(2)}×)`,
      goal,
      met: ratio <= scenario.cpuTarget.ratio,
    });
  }
  if (memory !== undefined) {
    targets.push({
      name: `RSS growth over ${memory.callbacks.toLocaleString('en-US')} callbacks`,
      measured: `${memory.rssGrowthMB.toFixed(1)} MB`,
      goal: '≤ 100 MB',
      met: memory.rssGrowthMB <= 100,
    });
  }
  if (midi !== undefined) {
    targets.push({
      name: '2 MB MIDI body, longest event-loop block',
      measured: `${midi.worstBlockMs.toFixed(1)} ms`,
      goal: '≤ 50 ms',
      met: midi.worstBlockMs <= 50,
    });
  }

  const output: BenchResults = {
    machine,
    config: { ...config, nodeFlags: config.nodeFlags.join(' '), command: 'npm run bench' },
    scenarios: results,
    ...(memory === undefined ? {} : { memory }),
    ...(midi === undefined ? {} : { midi }),
    targets,
    problems,
  };
  writeResults(RESULTS_FILE, output);

  console.log(`\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}, commit ${machine.commit}`);
  console.log(formatTable(results));
  for (const result of results) {
    const peak = result.serverStats;
    if (peak === undefined || peak.peakListeners === 0) continue;
    console.log(
      `scenario ${result.id}: at most ${peak.peakInFlight} callbacks in flight and ${peak.peakListeners} listeners running at once; ` +
        `${peak.rejected} refused, ${peak.errors} errors`,
    );
  }
  console.log('');
  if (memory !== undefined) console.log(formatMemory(memory));
  if (midi !== undefined) console.log(formatMidi(midi));
  console.log('');
  console.log(formatTargets(targets));
  console.log(`\nresults written to ${RESULTS_FILE}`);
  if (problems.length > 0) {
    console.error(`\nTHESE FIGURES CANNOT BE TRUSTED:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error('[bench] failed', error);
  process.exitCode = 1;
});
