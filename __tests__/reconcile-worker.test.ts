/**
 * Reconciliation end to end on the public API, with a queue: the middleware's `suno.expect()` queues a delayed
 * expectation job, everything is closed (a restart), and a `sunoWorker` started afterwards polls the fake provider
 * and runs the typed listener once. A callback that then arrives through the middleware adds nothing.
 */
import { afterEach, expect, test } from '@jest/globals';
import { Queue } from 'bullmq';
import express from 'express';
import request from 'supertest';
import { sunoCallbacks } from '../lib/index.js';
import { sunoWorker } from '../lib/bullmq/index.js';
import type { SunoEventMap } from '../lib/events.js';
import { memoryLogger, signed, until } from './helpers/app.js';
import { answers, fakeProvider, taskId } from './helpers/fake-provider.js';
import { fixture } from './helpers/fixtures.js';
import { needs, REDIS_HOST, REDIS_PORT, uniqueName } from './helpers/services.js';

const describeRedis = await needs('redis');
const connection = { host: REDIS_HOST, port: REDIS_PORT };
const API_KEY = 'worker-test-key';
const SECRET = 'reconcile-worker-secret';
const MUSIC = '/api/v1/generate/record-info';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describeRedis('suno.expect() with queue and reconcile, served by sunoWorker', () => {
  test('survives a restart: the worker polls, the event comes once, and the late callback adds nothing', async () => {
    const provider = await fakeProvider(API_KEY);
    const queue = new Queue(uniqueName('suno-reconcile-worker'), { connection });
    cleanups.push(() => provider.close(), () => queue.close(), () => queue.obliterate({ force: true }));
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicPending(task), answers.musicSuccess(task)]);
    const reconcile = { apiKey: API_KEY, baseUrl: provider.baseUrl, afterSeconds: 1, everySeconds: 1, giveUpAfterSeconds: 60 };

    // The web process: expects the task, then shuts down before anything is due.
    const first = sunoCallbacks({ secret: SECRET, queue, reconcile, logger: memoryLogger() });
    await first.expect(task, { kind: 'music' });
    await first.close();
    expect(provider.requestsFor(task)).toHaveLength(0);

    // After the restart: a worker (anywhere) and a new web process.
    const ready: Array<SunoEventMap['music-ready']> = [];
    const worker = sunoWorker(queue.name, { connection, reconcile: { apiKey: API_KEY, baseUrl: provider.baseUrl }, logger: memoryLogger() });
    worker.on('music-ready', (event) => void ready.push(event));
    cleanups.push(() => worker.close());
    await until(() => ready.length === 1, 20_000);
    expect(ready[0]?.key).toBe(`music:${task}:complete`);
    expect(provider.requestsFor(task).length).toBeGreaterThanOrEqual(2);

    const second = sunoCallbacks({ secret: SECRET, queue, logger: memoryLogger() });
    cleanups.push(() => second.close());
    const body = fixture('music.complete.sunoapi.json');
    body.data.task_id = task;
    const answer = await request(express().use(second))
      .post('/suno/callback')
      .set(signed(body, { secret: SECRET }))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'duplicate' });
    // The callback met the job the poll made (same dedupe key): nothing new was queued, no second event.
    expect(await queue.getWaitingCount()).toBe(0);
    expect(ready).toHaveLength(1);
  }, 40_000);
});
