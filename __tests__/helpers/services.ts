/**
 * The servers some tests need: Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 (database `test`, user
 * `root`, trust auth). A test file asks `await needs('redis')` at its top level and registers its tests with the
 * `describe` it gets back: the real one when the server answers, `describe.skip` (with a loud warning naming the
 * command that starts the server) when it does not, and under CI=true a thrown error, because CI must not pass by
 * skipping. No runtime import of jest here: the worker processes read their connection settings from this file.
 */
import type { describe } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import pg from 'pg';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;
export const REDIS_URL = `redis://${REDIS_HOST}:${REDIS_PORT}`;
export const POSTGRES = { host: '127.0.0.1', port: 5432, user: 'root', database: 'test' } as const;
export const POSTGRES_URL = `postgres://${POSTGRES.user}@${POSTGRES.host}:${POSTGRES.port}/${POSTGRES.database}`;

/** `redis-server` is the binary itself, for tests that start (and stop) a private server. */
export type Service = 'redis' | 'postgres' | 'redis-server';

const START: Record<Service, string> = {
  redis: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  'redis-server': 'apt-get install -y redis-server (the binary must be on the PATH)',
};

/** True when a Redis server answers PING on `port` within `timeoutMs`. */
export function redisAnswers(port = REDIS_PORT, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: REDIS_HOST, port });
    let reply = '';
    const done = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

async function postgresAnswers(timeoutMs = 2000): Promise<boolean> {
  const client = new pg.Client({ ...POSTGRES, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const answers = new Map<Service, Promise<boolean>>();

/** Whether `service` answers; asked once per test file. */
export function available(service: Service): Promise<boolean> {
  let answer = answers.get(service);
  if (answer === undefined) {
    if (service === 'redis') answer = redisAnswers();
    else if (service === 'postgres') answer = postgresAnswers();
    else answer = Promise.resolve(spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0);
    answers.set(service, answer);
  }
  return answer;
}

/**
 * The `describe` to register tests that need these services with. Throws under CI=true when one does not answer.
 *
 * @example
 * const describeRedis = await needs('redis');
 * describeRedis('redisStore', () => { ... });
 */
export async function needs(...services: Service[]): Promise<typeof describe | typeof describe.skip> {
  const jestDescribe = (globalThis as unknown as { describe: typeof describe }).describe;
  const missing: Service[] = [];
  for (const service of services) if (!(await available(service))) missing.push(service);
  if (missing.length === 0) return jestDescribe;
  const how = missing.map((service) => `  ${service}: ${START[service]}`).join('\n');
  if (process.env.CI === 'true') {
    throw new Error(`CI=true and ${missing.join(', ')} is not available; start or install it with:\n${how}`);
  }
  console.warn(`\n!!! SKIPPING tests that need ${missing.join(', ')}: not available. Start or install it with:\n${how}\n`);
  return jestDescribe.skip;
}

/** A random name part, so parallel test files never share keys, prefixes or tables. */
export function uniqueName(label: string): string {
  return `${label}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
}

/** A pool on the test database; close it with `end()`. */
export function testPool(max = 10): pg.Pool {
  const pool = new pg.Pool({ ...POSTGRES, max });
  // An idle client's error (the server restarting) is not a test failure; queries report their own errors.
  pool.on('error', () => undefined);
  return pool;
}
