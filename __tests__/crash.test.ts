/**
 * Crash safety, for real: an instance acknowledges 50 callbacks whose listeners never finish and is killed with
 * SIGKILL (no clean-up runs). A fresh instance, started at once on the same store, dispatches all 50 as their leases
 * run out (periodic recovery), each exactly once, and nothing is left behind.
 */
import { afterAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { needs, REDIS_URL, testPool, uniqueName } from './helpers/services.js';
import type { WorkerConfig } from './helpers/store-worker.js';
import { deliver, killAll, makeCallbacks, pool, startWorker, tally, waitFor } from './helpers/workers.js';

const COUNT = 50;
const LEASE_SECONDS = 1;

afterAll(killAll);

/** `unfinished()` counts the records the store still holds for dispatch. */
async function crashAndRecover(config: Omit<WorkerConfig, 'mode'>, unfinished: () => Promise<number>): Promise<void> {
  const callbacks = makeCallbacks(COUNT);
  const doomed = await startWorker({ ...config, mode: 'hang', leaseSeconds: LEASE_SECONDS, concurrency: COUNT });
  const answers = await pool(callbacks.map((callback) => () => deliver(doomed.port, callback)), 10);
  const lastAck = Date.now();
  expect(answers.map((answer) => answer.body.status)).toEqual(callbacks.map(() => 'received'));
  // The listeners are running (and will never end) when the process dies.
  await waitFor('50 listeners to start', () => doomed.keys('started').length === COUNT);
  expect(await doomed.kill()).toBe('SIGKILL');
  expect(doomed.keys('processed')).toEqual([]);
  // Each callback was saved before its 200, so the dead process's work is all in the store.
  expect(await unfinished()).toBe(COUNT);

  // Started at once, while the dead process's leases still run: periodic recovery takes each record once it lapses.
  expect(Date.now() - lastAck).toBeLessThan(LEASE_SECONDS * 1000 * 10);
  const fresh = await startWorker({ ...config, mode: 'record', leaseSeconds: LEASE_SECONDS });
  try {
    await waitFor('the fresh process to dispatch all 50', () => fresh.keys('processed').length >= COUNT);
    await waitFor('the records to be finished', async () => (await unfinished()) === 0);
    // Nothing is left to take, and nothing is taken twice.
    expect(await fresh.recover()).toBe(0);
    const processed = tally(fresh.keys('processed'));
    console.log(
      `[crash ${config.store}] acknowledged ${COUNT}, killed with ${COUNT} listeners running; ` +
        `recovered and processed ${fresh.keys('processed').length} (${processed.size} distinct) in a fresh process`,
    );
    expect([...processed.keys()].sort()).toEqual(callbacks.map((callback) => callback.key).sort());
    expect([...processed.values()].every((count) => count === 1)).toBe(true);
    const recovered = fresh.lines
      .map((line) => (line.type === 'log' ? /recovered (\d+)/.exec(String(line.message))?.[1] : undefined))
      .reduce((sum, count) => sum + Number(count ?? 0), 0);
    expect(recovered).toBe(COUNT);
    // A redelivery after the crash is still a duplicate: the recovered callbacks kept their claims.
    expect((await deliver(fresh.port, callbacks[0] as (typeof callbacks)[0])).body).toEqual({ status: 'duplicate' });
    expect(fresh.lines.filter((line) => line.type === 'error' || line.type === 'unhandled')).toEqual([]);
  } finally {
    expect(await fresh.stop()).toBe(0);
  }
}

const describeRedis = await needs('redis');
describeRedis('a crash with Redis', () => {
  const prefix = `${uniqueName('suno-crash')}:`;
  const client = new Redis(REDIS_URL, { lazyConnect: true });

  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  });

  it('loses none of 50 acknowledged callbacks: a fresh process dispatches each once', async () => {
    await crashAndRecover({ store: 'ioredis', prefix }, () => client.hlen(`${prefix}records`));
  }, 60_000);
});

const describePostgres = await needs('postgres');
describePostgres('a crash with PostgreSQL', () => {
  const table = uniqueName('suno_crash');
  const db = testPool(2);

  afterAll(async () => {
    await db.query(`DROP TABLE IF EXISTS "${table}"`);
    await db.end();
  });

  it('loses none of 50 acknowledged callbacks: a fresh process dispatches each once', async () => {
    await crashAndRecover({ store: 'postgres', table }, async () => {
      const result = await db.query(`SELECT count(*)::int AS n FROM "${table}" WHERE payload IS NOT NULL AND NOT done`);
      return (result.rows[0] as { n: number }).n;
    });
  }, 60_000);
});
