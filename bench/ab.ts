/**
 * `npx tsx bench/ab.ts <other-checkout> [kind]`: the same scenario against two versions of the code, side by side in
 * one run (the machine is too noisy for figures taken minutes apart to compare). Each round loads both servers at
 * the same moment, each with its own connections; the report gives each side's median throughput and server CPU per
 * request, and their ratios.
 * Pass this checkout itself as the other one to see how far two identical servers drift apart (the noise floor), or
 * a second kind to compare two servers of this checkout (`tsx bench/ab.ts . baseline suno-memory`).
 *
 * The other checkout needs `lib/`, `bench/` and a `node_modules` (a symlink to this one's is enough).
 */
import { resolve } from 'node:path';
import { isServerKind } from './apps.js';
import { octokitRequests, sunoRequests } from './bodies.js';
import { buildForBench, compiled, PROJECT_ROOT } from './build.js';
import { loadConfig } from './config.js';
import { runLoad } from './load.js';
import { startServer, type RunningServer } from './servers.js';

interface Side {
  label: string;
  server: RunningServer;
  rps: number[];
  micros: number[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function cpuMicros(server: RunningServer): Promise<number> {
  const reply = server.next('cpu');
  server.send({ type: 'cpu' });
  return (await reply).micros;
}

async function main(): Promise<void> {
  const otherRoot = process.argv[2];
  const kind = process.argv[3] ?? 'suno-memory';
  const kindB = process.argv[4] ?? kind;
  if (otherRoot === undefined) throw new Error('usage: tsx bench/ab.ts <other-checkout> [kind] [kind for this checkout]');
  if (!isServerKind(kind) || !isServerKind(kindB)) throw new Error(`unknown server kind "${kind}" or "${kindB}"`);
  const config = loadConfig();
  const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
  await Promise.all([buildForBench(resolve(otherRoot)), buildForBench()]);

  const sides: Side[] = [];
  try {
    sides.push({
      label: `A ${kind} ${resolve(otherRoot)}`,
      server: await startServer(kind, config.nodeFlags, compiled('bench/server.ts', resolve(otherRoot))),
      rps: [],
      micros: [],
    });
    sides.push({ label: `B ${kindB} ${PROJECT_ROOT}`, server: await startServer(kindB, config.nodeFlags), rps: [], micros: [] });
    for (let round = 0; round < rounds; round += 1) {
      // Both servers are loaded at the same time, so whatever else the machine does hits both alike.
      const loads = sides.map((side) => ({
        url: side.server.url,
        connections: config.connections,
        expectBody: (body: string) => body !== '',
        nextRequest: side.server.kind === 'octokit' ? octokitRequests() : sunoRequests(),
      }));
      await Promise.all(loads.map((load) => runLoad({ ...load, durationSeconds: config.warmupSeconds })));
      const before = await Promise.all(sides.map((side) => cpuMicros(side.server)));
      const results = await Promise.all(loads.map((load) => runLoad({ ...load, durationSeconds: config.durationSeconds })));
      const after = await Promise.all(sides.map((side) => cpuMicros(side.server)));
      sides.forEach((side, index) => {
        const figures = results[index] as (typeof results)[number];
        const micros = ((after[index] as number) - (before[index] as number)) / Math.max(1, figures.total);
        if (figures.non2xx + figures.errors > 0) throw new Error(`${side.label}: ${figures.non2xx} non-2xx, ${figures.errors} errors`);
        side.rps.push(figures.requestsPerSecond);
        side.micros.push(micros);
        console.log(`round ${round + 1} ${side.label.slice(0, 1)}: ${Math.round(figures.requestsPerSecond)} req/s, ${micros.toFixed(1)} µs CPU/req`);
      });
    }
  } finally {
    for (const side of sides) await side.server.stop();
  }
  const [a, b] = sides as [Side, Side];
  const roundRatios = a.rps.map((rps, index) => (b.rps[index] as number) / rps);
  const cpuRatios = a.micros.map((micros, index) => (b.micros[index] as number) / micros);
  console.log(`\n${rounds} rounds x ${config.durationSeconds} s`);
  for (const side of sides) {
    console.log(`${side.label}: median ${Math.round(median(side.rps))} req/s, ${median(side.micros).toFixed(1)} µs CPU/req`);
  }
  console.log(
    `B/A throughput ${(median(b.rps) / median(a.rps)).toFixed(3)} (per round ${roundRatios.map((r) => r.toFixed(3)).join(', ')}); ` +
      `B/A CPU per request ${(median(b.micros) / median(a.micros)).toFixed(3)} (per round ${cpuRatios.map((r) => r.toFixed(3)).join(', ')})`,
  );
}

main().catch((error: unknown) => {
  console.error('[bench ab] failed', error);
  process.exitCode = 1;
});
