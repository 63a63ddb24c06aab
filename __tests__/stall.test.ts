/**
 * A store that stalls past `storeTimeoutMs`: the sender is told 503, but the stalled claim lands in the store later.
 * Before, the late claim was undone only after the sender's retry had found the key and been answered "duplicate",
 * so nobody processed the callback. Real stalls here: `CLIENT PAUSE ... WRITE` on a private redis-server, and a
 * `LOCK TABLE` held by another PostgreSQL session. Every round, the callback must be processed exactly once.
 */
import { afterAll, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { postgresStore } from '../lib/stores/postgres.js';
import { redisStore } from '../lib/stores/redis.js';
import type { DedupeStore } from '../lib/store.js';
import { createApp, post, until } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import { needs, testPool, uniqueName } from './helpers/services.js';
import { freePort, killAll, startRedisServer, stopProcess } from './helpers/workers.js';

// STALL_ROUNDS=16 repeats the measurement; three rounds keep the suite quick.
const ROUNDS = Number(process.env.STALL_ROUNDS ?? 3);
const STORE_TIMEOUT_MS = 1000;
const STALL_MS = 1500;

afterAll(killAll);

/**
 * One round: a stall of STALL_MS starts; a delivery during it gets 503 after STORE_TIMEOUT_MS; the sender retries
 * at once, still inside the stall, and its claim waits behind the first. `stall` starts the stall and resolves with
 * a promise of its end, which comes by itself after STALL_MS, as a real one would.
 */
async function stalledRound(store: DedupeStore, stall: () => Promise<{ ended: Promise<void> }>, round: number): Promise<void> {
  const { app, of, suno } = createApp({ store, storeTimeoutMs: STORE_TIMEOUT_MS });
  const body = fixture('cover.success.json');
  body.data.task_id = `stall-${round}-${uniqueName('t')}`;

  const { ended } = await stall();
  const first = await post(app, body);
  expect(first.status).toBe(503);
  expect(first.body).toMatchObject({ error: 'store_unavailable' });
  const retry = await post(app, body);
  await ended;
  expect(retry.status).toBe(200);

  await until(() => of('cover-ready').length >= 1, 5000);
  expect((await post(app, body)).body).toEqual({ status: 'duplicate' });
  await suno.close();
  expect(of('cover-ready')).toHaveLength(1);
  expect(of('cover-ready')[0]?.taskId).toBe(body.data.task_id);
}

const describeRedis = await needs('redis-server');
describeRedis('a Redis store stalled by CLIENT PAUSE WRITE past storeTimeoutMs', () => {
  it(`processes the callback exactly once in each of ${ROUNDS} rounds`, async () => {
    const port = await freePort();
    const server: ChildProcess = await startRedisServer(port);
    const client = new Redis({ port, host: '127.0.0.1' });
    const admin = new Redis({ port, host: '127.0.0.1' });
    const probe = new Redis({ port, host: '127.0.0.1' });
    try {
      for (let round = 0; round < ROUNDS; round += 1) {
        await stalledRound(
          redisStore({ client, prefix: `stall:${round}:` }),
          async () => {
            await admin.call('CLIENT', 'PAUSE', String(STALL_MS), 'WRITE');
            // The pause ends by itself; a write from a third connection is answered once it has.
            return { ended: probe.set('stall:probe', '1').then(() => undefined) };
          },
          round,
        );
      }
    } finally {
      client.disconnect();
      admin.disconnect();
      probe.disconnect();
      await stopProcess(server);
    }
  }, 60_000);
});

const describePostgres = await needs('postgres');
describePostgres('a PostgreSQL store stalled by LOCK TABLE past storeTimeoutMs', () => {
  let pool: pg.Pool;
  let lockers: pg.Pool;
  const table = uniqueName('suno_stall');

  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await Promise.all([pool.end(), lockers.end()]);
  });

  it(`processes the callback exactly once in each of ${ROUNDS} rounds`, async () => {
    // One connection: the retry's claim queues behind the stalled one, as it does in a busy pool.
    pool = testPool(1);
    lockers = testPool(1);
    const store = postgresStore({ pool, table });
    await store.init?.();
    for (let round = 0; round < ROUNDS; round += 1) {
      await stalledRound(
        store,
        async () => {
          const locker = await lockers.connect();
          await locker.query('BEGIN');
          await locker.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
          // The lock is the fault; its holder lets go after STALL_MS, like a slow migration would.
          const ended = new Promise<void>((resolve, reject) => {
            setTimeout(() => {
              locker.query('COMMIT').then(() => {
                locker.release();
                resolve();
              }, reject);
            }, STALL_MS);
          });
          return { ended };
        },
        round,
      );
    }
  }, 60_000);
});
