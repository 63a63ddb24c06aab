/** The HTTP scenarios of `npm run bench`: which server, which requests, and what each is compared against. */
import type { ServerKind } from './apps.js';
import { octokitRequests, sunoRequests, type BenchRequest } from './bodies.js';

export interface Target {
  /** What is compared: throughput as a multiple of the reference, or p99 latency as a multiple of it. */
  metric: 'throughput' | 'p99';
  /** Throughput: at least this many times the reference. p99: at most this many times the reference. */
  ratio: number;
}

/** Server CPU per request at most `ratio` times scenario `against`'s, both measured over the same fixed count. */
export interface CpuTarget {
  against: string;
  ratio: number;
}

export interface Scenario {
  id: string;
  title: string;
  server: ServerKind;
  makeRequests: () => () => BenchRequest;
  expectBody: (body: string) => boolean;
  /** Fixed requests per second; the scenario runs flat out when absent. */
  fixedRate?: boolean;
  /** The scenario whose figures this one's ratio is computed against. */
  reference: string;
  target?: Target;
  cpuTarget?: CpuTarget;
  /** Scenarios that need a store module or service that may be missing. */
  requires?: 'redis' | 'postgres';
  /** Scenarios that need an optional peer installed (BullMQ). */
  needsPackage?: 'bullmq';
}

const received = (body: string): boolean => body === '{"status":"received"}';

export const SCENARIOS: readonly Scenario[] = [
  {
    id: '1',
    title: 'baseline: express.json() + route (provider sample)',
    server: 'baseline',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
  },
  {
    id: '2',
    title: 'ceiling: one app.use, read + JSON.parse + end',
    server: 'ceiling',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
  },
  {
    id: '3',
    title: 'peer: @octokit/webhooks createNodeMiddleware',
    server: 'octokit',
    makeRequests: () => octokitRequests(),
    expectBody: (body) => body === 'ok\n',
    reference: '1',
  },
  {
    id: '4',
    title: 'suno-callbacks, memory store',
    server: 'suno-memory',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
    target: { metric: 'throughput', ratio: 1.25 },
    cpuTarget: { against: '3', ratio: 1 },
  },
  {
    id: '5',
    title: 'suno-callbacks, Redis store (ioredis)',
    server: 'suno-redis',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
    target: { metric: 'throughput', ratio: 1.0 },
    requires: 'redis',
  },
  {
    id: '6',
    title: 'suno-callbacks, PostgreSQL store (pg Pool)',
    server: 'suno-postgres',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
    requires: 'postgres',
  },
  {
    id: '7a',
    title: 'baseline at a fixed rate',
    server: 'baseline',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    fixedRate: true,
    reference: '7a',
  },
  {
    id: '7b',
    title: 'suno-callbacks, listeners await 100 ms, fixed rate',
    server: 'suno-slow',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    fixedRate: true,
    reference: '7a',
    target: { metric: 'p99', ratio: 1.2 },
  },
  {
    id: '8',
    title: 'raw node:http: read + JSON.parse + end, no checks',
    server: 'raw-http',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
  },
  {
    id: '9',
    title: 'suno-callbacks middleware on plain node:http, memory',
    server: 'suno-node-http',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
    cpuTarget: { against: '1', ratio: 0.25 },
  },
  {
    id: '10',
    title: 'suno-callbacks/web through @hono/node-server, memory',
    server: 'suno-web-hono',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
  },
  {
    id: '11a',
    title: 'suno-callbacks, Redis store + BullMQ queue (Redis)',
    server: 'suno-queue-redis',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
    target: { metric: 'throughput', ratio: 0.75 },
    requires: 'redis',
    needsPackage: 'bullmq',
  },
  {
    id: '11b',
    title: 'suno-callbacks, BullMQ queue dedupes alone (Redis, 1 RTT)',
    server: 'suno-queue-redis-1rtt',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
    requires: 'redis',
    needsPackage: 'bullmq',
  },
  {
    id: '11c',
    title: 'suno-callbacks, PostgreSQL store + BullMQ queue (PostgreSQL)',
    server: 'suno-queue-postgres',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    reference: '1',
    requires: 'postgres',
    needsPackage: 'bullmq',
  },
  {
    id: '11d',
    title: 'suno-callbacks, Redis store + BullMQ queue, fixed rate',
    server: 'suno-queue-redis',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    fixedRate: true,
    reference: '7a',
    target: { metric: 'p99', ratio: 2 },
    requires: 'redis',
    needsPackage: 'bullmq',
  },
  {
    id: '11e',
    title: 'suno-callbacks, PostgreSQL store + BullMQ queue, fixed rate',
    server: 'suno-queue-postgres',
    makeRequests: () => sunoRequests(),
    expectBody: received,
    fixedRate: true,
    reference: '7a',
    requires: 'postgres',
    needsPackage: 'bullmq',
  },
];
