/**
 * BullMQ delivery across processes, against real servers: web processes queue callbacks, worker processes run the
 * listeners. Every test uses its own queue (and, for faults, its own redis-server), so parallel runs never meet.
 */
import { afterAll, expect, it } from '@jest/globals';
import { Queue, createPostgresBackend } from 'bullmq';
import { Redis } from 'ioredis';
import { processed, killChildren, startChild, type Child } from './helpers/bullmq-processes.js';
import { needs, POSTGRES_URL, REDIS_HOST, REDIS_PORT, uniqueName } from './helpers/services.js';
import { deliver, freePort, killAll, makeCallbacks, pool, startRedisServer, tally, waitFor, type Callback } from './helpers/workers.js';

afterAll(async () => {
  await killChildren();
  await killAll();
});

type Backend = 'redis' | 'postgres';

/** A Queue handle in the test process, to read counts and remove the queue afterwards. */
function testQueue(backend: Backend, name: string, redisPort = REDIS_PORT): Queue {
  return backend === 'postgres'
    ? (new Queue(name, { connection: { connectionString: POSTGRES_URL, migrate: true, max: 2 } }, createPostgresBackend) as unknown as Queue)
    : new Queue(name, { connection: { host: REDIS_HOST, port: redisPort } });
}

/** Resolves once the queue has `count` completed jobs and nothing left to run. */
async function drained(queue: Queue, count: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `${count} completed jobs`,
    async () => {
      const counts = await queue.getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed');
      return counts.completed === count && counts.waiting === 0 && counts.active === 0 && counts.delayed === 0;
    },
    timeoutMs,
  );
}

async function remove(queue: Queue): Promise<void> {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
}

function exactlyOnce(keys: readonly string[], callbacks: readonly Callback[]): void {
  const counts = tally(keys);
  const wrong = callbacks.filter((callback) => counts.get(callback.key) !== 1).map((callback) => `${callback.key}: ${counts.get(callback.key) ?? 0}`);
  expect(wrong).toEqual([]);
  expect(keys).toHaveLength(callbacks.length);
}

const describeServers = await needs('redis', 'postgres');
describeServers.each(['redis', 'postgres'] as const)('%s backend, 3 web and 2 worker processes', (backend) => {
  it('200 callbacks delivered 3 times each across the web processes: each listener runs exactly once, none is lost', async () => {
    const name = uniqueName('suno_many');
    const queue = testQueue(backend, name);
    const children: Child[] = [];
    try {
      const prefix = `${uniqueName('suno_bq')}:`;
      children.push(
        ...(await Promise.all([
          startChild({ role: 'worker', backend, queue: name }),
          startChild({ role: 'worker', backend, queue: name }),
          startChild({ role: 'web', backend, queue: name, prefix }),
          startChild({ role: 'web', backend, queue: name, prefix }),
          startChild({ role: 'web', backend, queue: name, prefix }),
        ])),
      );
      const workers = children.slice(0, 2);
      const webs = children.slice(2);
      const callbacks = makeCallbacks(200);
      // Each callback goes to all three web processes, in an order that differs from one callback to the next.
      const tasks = callbacks.flatMap((callback, index) =>
        [0, 1, 2].map((copy) => () => deliver((webs[(index + copy) % 3] as Child).port, callback)),
      );
      const answers = await pool(tasks, 24);
      expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
      expect(new Set(answers.map((answer) => answer.body.status))).toEqual(new Set(['received', 'duplicate']));

      await drained(queue, 200);
      exactlyOnce(processed(workers), callbacks);
      // Both workers took part: the queue spreads the work.
      for (const worker of workers) expect(worker.keys('processed').length).toBeGreaterThan(0);
    } finally {
      await Promise.all(children.map((child) => child.stop()));
      await remove(queue);
    }
  }, 180_000);
});

const describeRedis = await needs('redis', 'redis-server');
describeRedis('faults, Redis backend', () => {
  it('a worker killed with -9 mid-job: another worker finishes its jobs, each exactly once', async () => {
    const name = uniqueName('suno_kill');
    const queue = testQueue('redis', name);
    const children: Child[] = [];
    try {
      // A short lock makes the dead worker's jobs stalled within seconds rather than BullMQ's default 30 s.
      const timing = { lockDuration: 2000, stalledInterval: 1000 };
      const doomed = await startChild({ role: 'worker', backend: 'redis', queue: name, mode: 'hang', concurrency: 50, ...timing });
      const web = await startChild({ role: 'web', backend: 'redis', queue: name, prefix: `${uniqueName('suno_bq')}:` });
      children.push(doomed, web);
      const callbacks = makeCallbacks(30);
      const answers = await pool(callbacks.map((callback) => () => deliver(web.port, callback)), 10);
      expect(answers.map((answer) => answer.body.status)).toEqual(callbacks.map(() => 'received'));
      await waitFor('the doomed worker to hold every job', () => doomed.keys('started').length === callbacks.length);
      expect(await doomed.kill()).toBe('SIGKILL');

      const survivor = await startChild({ role: 'worker', backend: 'redis', queue: name, ...timing });
      children.push(survivor);
      await drained(queue, callbacks.length);
      expect(doomed.keys('processed')).toEqual([]);
      exactlyOnce(survivor.keys('processed'), callbacks);
    } finally {
      await Promise.all(children.map((child) => child.stop()));
      await remove(queue);
    }
  }, 90_000);

  it('a listener failing for 20 s (a dependency down) then recovering: every callback is processed exactly once', async () => {
    const name = uniqueName('suno_outage');
    const queue = testQueue('redis', name);
    const children: Child[] = [];
    try {
      const failUntil = Date.now() + 20_000;
      // The queue's defaults are the package's: exponential backoff from 1 s, 15 attempts (hours of horizon).
      children.push(
        await startChild({ role: 'worker', backend: 'redis', queue: name, mode: 'fail-until', failUntil }),
        await startChild({ role: 'web', backend: 'redis', queue: name, prefix: `${uniqueName('suno_bq')}:` }),
      );
      const [worker, web] = children as [Child, Child];
      const callbacks = makeCallbacks(40);
      // Half arrive at once, half spread over the outage (pacing arrivals, not waiting for anything).
      await pool(callbacks.slice(0, 20).map((callback) => () => deliver(web.port, callback)), 10);
      for (const callback of callbacks.slice(20)) {
        expect((await deliver(web.port, callback)).body.status).toBe('received');
        await new Promise((resolve) => setTimeout(resolve, 800));
      }
      await drained(queue, callbacks.length, 80_000);
      expect(Date.now()).toBeGreaterThan(failUntil);
      // Failed attempts happened (the listener started more often than it finished), and none was lost or repeated.
      expect(worker.keys('started').length).toBeGreaterThan(callbacks.length);
      exactlyOnce(worker.keys('processed'), callbacks);
      expect(worker.lines.filter((line) => line.type === 'error')).toEqual([]);
    } finally {
      await Promise.all(children.map((child) => child.stop()));
      await remove(queue);
    }
  }, 120_000);

  it('the queue paused past the timeout during an add: 503, then the sender\'s retry is processed once', async () => {
    const port = await freePort();
    await startRedisServer(port);
    const name = uniqueName('suno_pause');
    const queue = testQueue('redis', name, port);
    const admin = new Redis({ host: REDIS_HOST, port });
    const children: Child[] = [];
    try {
      children.push(
        await startChild({ role: 'worker', backend: 'redis', queue: name, redisPort: port }),
        // The dedupe claims stay on the shared Redis; only the queue's server is paused.
        await startChild({ role: 'web', backend: 'redis', queue: name, redisPort: port, timeoutMs: 500, prefix: `${uniqueName('suno_bq')}:` }),
      );
      const [worker, web] = children as [Child, Child];
      const [callback] = makeCallbacks(1) as [Callback];
      await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
      const first = await deliver(web.port, callback);
      expect(first.status).toBe(503);
      expect(first.body.error).toBe('store_unavailable');
      expect(first.retryAfter).not.toBeNull();

      // The provider retries later; by then the pause is over (the late add may well have landed meanwhile).
      await waitFor('the pause to end', async () => (await admin.ping()) === 'PONG', 10_000);
      const retry = await deliver(web.port, callback);
      expect(retry.status).toBe(200);
      expect(retry.body.status).not.toBe('duplicate');
      await drained(queue, 1);
      exactlyOnce(worker.keys('processed'), [callback]);
    } finally {
      await Promise.all(children.map((child) => child.stop()));
      admin.disconnect();
      await remove(queue);
    }
  }, 60_000);
});
