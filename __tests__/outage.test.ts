/**
 * A Redis outage in the middle of traffic. The test runs its own throwaway redis-server (the shared one on 6379
 * serves other tests), kills it while callbacks arrive and starts it again on the same port. While it is down the
 * app answers 503 store_unavailable with Retry-After and stays up; the sender retries like the provider does, and in
 * the end every callback was answered 200 once the store was back and ran its listener exactly once.
 */
import { afterAll, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { needs } from './helpers/services.js';
import {
  deliver,
  freePort,
  idle,
  killAll,
  makeCallbacks,
  pool,
  startRedisServer,
  startWorker,
  stopProcess,
  tally,
  waitFor,
  type Callback,
  type Delivery,
} from './helpers/workers.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(killAll);

const describeOutage = await needs('redis-server');
describeOutage('a Redis outage', () => {
  it.each(['ioredis', 'node-redis'] as const)(
    'with %s: 503 store_unavailable while Redis is down, and every callback runs exactly once after it is back',
    async (client) => {
      const port = await freePort();
      let server: ChildProcess = await startRedisServer(port);
      // A short store timeout and fast reconnects keep the test short; the store fails fast while disconnected.
      const worker = await startWorker({ store: client, redisPort: port, reconnectMs: 100, storeTimeoutMs: 300, mode: 'record' });
      const deliveries = new Map<string, Delivery[]>();

      // Like the provider: deliver, and on anything but a 200 wait and deliver again.
      async function send(callback: Callback): Promise<void> {
        const started = Date.now();
        for (;;) {
          const delivery = await deliver(worker.port, callback);
          deliveries.set(callback.key, [...(deliveries.get(callback.key) ?? []), delivery]);
          if (delivery.status === 200) return;
          if (Date.now() - started > 40_000) throw new Error(`${callback.key} was never accepted`);
          await sleep(150);
        }
      }

      try {
        const callbacks = makeCallbacks(80);
        await pool(callbacks.slice(0, 20).map((callback) => () => send(callback)), 10);
        const later = callbacks.slice(20);
        const sending = Promise.all(later.map((callback, index) => sleep(index * 40).then(() => send(callback))));

        await sleep(300);
        await stopProcess(server, 'SIGKILL');
        const all = (): Delivery[] => [...deliveries.values()].flat();
        await waitFor('a 503 while Redis is down', () => all().some((delivery) => delivery.status === 503));
        // Down, but up: the process still answers, and has not died of an unhandled rejection.
        expect(worker.alive).toBe(true);
        expect(await worker.stats()).toEqual({ inFlight: expect.any(Number) });
        await sleep(1000);
        server = await startRedisServer(port);
        await sending;
        await idle([worker]);

        const refused = all().filter((delivery) => delivery.status !== 200);
        const processed = tally(worker.keys('processed'));
        const accepted = callbacks.filter((callback) => deliveries.get(callback.key)?.at(-1)?.status === 200);
        const lost = accepted.filter((callback) => !processed.has(callback.key));
        const twice = [...processed.values()].filter((count) => count > 1).length;
        console.log(
          `[outage ${client}] ${callbacks.length} callbacks, ${all().length} deliveries; 503 during the outage: ` +
            `${refused.length}; accepted ${accepted.length}; processed ${processed.size}; lost ${lost.length}; processed twice ${twice}`,
        );

        expect(refused.length).toBeGreaterThan(0);
        for (const delivery of refused) {
          expect(delivery).toEqual({ status: 503, body: expect.objectContaining({ error: 'store_unavailable' }), retryAfter: '5' });
        }
        expect(accepted.length).toBe(callbacks.length);
        expect(lost.map((callback) => callback.key)).toEqual([]);
        expect(twice).toBe(0);
        expect(processed.size).toBe(callbacks.length);
        expect(worker.lines.filter((line) => line.type === 'unhandled')).toEqual([]);
        // The outage is reported as store errors, and only as those.
        const errors = worker.lines.filter((line) => line.type === 'error');
        expect(errors.length).toBeGreaterThan(0);
        for (const error of errors) expect(error).toMatchObject({ code: 'ERR_SUNO_STORE' });
        expect(worker.alive).toBe(true);
      } finally {
        expect(await worker.stop()).toBe(0);
        await stopProcess(server, 'SIGKILL');
      }
    },
    90_000,
  );
});
