/**
 * Several app instances behind one shared store: three real processes, 200 distinct signed callbacks, each
 * delivered three times to three different instances at once. Every callback must run its listener exactly once,
 * whichever instance wins the claim.
 */
import { afterAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { needs, REDIS_URL, testPool, uniqueName } from './helpers/services.js';
import { deliver, idle, killAll, makeCallbacks, pool, startWorker, tally, type Delivery, type Worker } from './helpers/workers.js';
import type { WorkerConfig } from './helpers/store-worker.js';

const CALLBACKS = 200;
const DELIVERIES = 3;

afterAll(killAll);

async function storm(configs: WorkerConfig[]): Promise<void> {
  const workers: Worker[] = await Promise.all(configs.map((config) => startWorker(config)));
  try {
    const callbacks = makeCallbacks(CALLBACKS);
    // Delivery d of callback i goes to instance (i + d) % n: the three copies always land on different instances.
    const jobs = callbacks.flatMap((callback, index) =>
      Array.from({ length: DELIVERIES }, (_, copy) => {
        const worker = workers[(index + copy) % workers.length] as Worker;
        return () => deliver(worker.port, callback);
      }),
    );
    for (let index = jobs.length - 1; index > 0; index -= 1) {
      const other = Math.floor(Math.random() * (index + 1));
      [jobs[index], jobs[other]] = [jobs[other] as () => Promise<Delivery>, jobs[index] as () => Promise<Delivery>];
    }
    const answers = await pool(jobs, 48);
    await idle(workers);

    const processed = tally(workers.flatMap((worker) => worker.keys('processed')));
    const received = answers.filter((answer) => answer.status === 200 && answer.body.status === 'received').length;
    const duplicates = answers.filter((answer) => answer.status === 200 && answer.body.status === 'duplicate').length;
    const lost = callbacks.filter((callback) => !processed.has(callback.key)).length;
    const twice = [...processed.values()].filter((count) => count > 1).length;
    const perInstance = workers.map((worker) => worker.keys('processed').length);
    console.log(
      `[multi-instance ${configs.map((config) => config.store).join('+')}] sent ${CALLBACKS} callbacks x ${DELIVERIES} ` +
        `= ${answers.length} deliveries; processed ${[...processed.values()].reduce((a, b) => a + b, 0)} ` +
        `(per instance ${perInstance.join('/')}); duplicates suppressed ${duplicates}; lost ${lost}; processed twice ${twice}`,
    );

    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(received).toBe(CALLBACKS);
    expect(duplicates).toBe(CALLBACKS * (DELIVERIES - 1));
    expect(lost).toBe(0);
    expect(twice).toBe(0);
    expect([...processed.keys()].sort()).toEqual(callbacks.map((callback) => callback.key).sort());
    // Every instance took part: the claims really were contended across processes.
    for (const count of perInstance) expect(count).toBeGreaterThan(0);
    for (const worker of workers) {
      expect(worker.lines.filter((line) => line.type === 'error' || line.type === 'unhandled')).toEqual([]);
    }
  } finally {
    const codes = await Promise.all(workers.map((worker) => worker.stop()));
    expect(codes).toEqual(workers.map(() => 0));
  }
}

const describeRedis = await needs('redis');
describeRedis('three instances sharing Redis', () => {
  const prefix = `${uniqueName('suno-multi')}:`;

  afterAll(async () => {
    const client = new Redis(REDIS_URL);
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  });

  it('run each of 200 callbacks, delivered 3 times across instances, exactly once (ioredis and node-redis mixed)', async () => {
    await storm([
      { store: 'ioredis', prefix, mode: 'record' },
      { store: 'node-redis', prefix, mode: 'record' },
      { store: 'ioredis', prefix, mode: 'record' },
    ]);
  }, 60_000);
});

const describePostgres = await needs('postgres');
describePostgres('three instances sharing PostgreSQL', () => {
  const table = uniqueName('suno_multi');

  afterAll(async () => {
    const client = testPool(1);
    await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await client.end();
  });

  it('run each of 200 callbacks, delivered 3 times across instances, exactly once (tables created concurrently)', async () => {
    await storm([
      { store: 'postgres', table, mode: 'record' },
      { store: 'postgres', table, mode: 'record' },
      { store: 'postgres', table, mode: 'record' },
    ]);
  }, 60_000);
});
