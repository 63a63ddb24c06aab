import { afterEach, expect, test } from '@jest/globals';
import { Queue, Worker, type Job } from 'bullmq';
import type { SunoEventMap } from '../lib/events.js';
import { resolveOptions } from '../lib/options.js';
import { Pipeline } from '../lib/pipeline.js';
import { nodeCrypto } from '../lib/signature.js';
import { processExpectJob } from '../lib/reconcile/expect-job.js';
import { resolveReconcile } from '../lib/reconcile/options.js';
import { EXPECT_JOB_NAME, expectJobId, QueueScheduler } from '../lib/reconcile/queue-scheduler.js';
import { Reconciler } from '../lib/reconcile/reconciler.js';
import type { ReconcileError } from '../lib/reconcile/errors.js';
import { memoryLogger, until } from './helpers/app.js';
import { answers, fakeProvider, taskId, type FakeProvider } from './helpers/fake-provider.js';
import { needs, REDIS_HOST, REDIS_PORT, uniqueName } from './helpers/services.js';

const describeRedis = await needs('redis');
const connection = { host: REDIS_HOST, port: REDIS_PORT };
const API_KEY = 'queue-test-key';
const MUSIC = '/api/v1/generate/record-info';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** The web side: a reconciler whose expectations are delayed jobs in `queueName`. It never polls itself. */
function webSide(queueName: string, provider: FakeProvider, seconds: { after: number; every: number; giveUp: number }) {
  const queue = new Queue(queueName, { connection });
  const config = resolveReconcile({
    apiKey: API_KEY,
    baseUrl: provider.baseUrl,
    afterSeconds: seconds.after,
    everySeconds: seconds.every,
    giveUpAfterSeconds: seconds.giveUp,
  });
  if (config === undefined) throw new Error('unreachable');
  const failIfCalled = (): never => {
    throw new Error('the web side must not poll when expectations are queued');
  };
  const reconciler = new Reconciler(
    config,
    { accept: failIfCalled, timeout: failIfCalled, report: failIfCalled, logError: failIfCalled },
    () => new QueueScheduler(queue, config.everyMs),
  );
  return { queue, reconciler };
}

/** A fresh process's worth of receiving: a pipeline and a BullMQ worker that takes expectation jobs. */
function workerSide(queueName: string, provider: FakeProvider) {
  const pipeline = new Pipeline(resolveOptions({ allowUnsigned: true, logger: memoryLogger() }), nodeCrypto([]));
  const ready: Array<SunoEventMap['music-ready']> = [];
  const timeouts: Array<SunoEventMap['task-timeout']> = [];
  const errors: ReconcileError[] = [];
  pipeline.dispatcher.on('music-ready', (event) => void ready.push(event));
  pipeline.dispatcher.on('task-timeout', (event) => void timeouts.push(event));
  const worker = new Worker(
    queueName,
    async (job: Job, token?: string) => {
      if (job.name !== EXPECT_JOB_NAME) throw new Error(`unexpected job ${job.name}`);
      await processExpectJob(job, token, {
        reconcile: { apiKey: API_KEY, baseUrl: provider.baseUrl },
        accept: (body, hint) => pipeline.acceptTrusted(body, hint),
        timeout: async (event) => pipeline.dispatcher.notify('task-timeout', event),
        report: (error) => void errors.push(error),
      });
    },
    { connection },
  );
  return { pipeline, worker, ready, timeouts, errors };
}

/** Resolves once `jobId` is no longer in `queue` (completed and removed, or cancelled); fails after 10 s. */
async function untilGone(queue: Queue, jobId: string): Promise<void> {
  const started = Date.now();
  while ((await queue.getJob(jobId)) !== undefined) {
    if (Date.now() - started > 10_000) throw new Error(`job ${jobId} is still there`);
  }
}

describeRedis('suno.expect() with a queue: expectations are BullMQ delayed jobs', () => {
  test('they survive a restart: everything closed, a new worker elsewhere polls and the event comes once', async () => {
    const provider = await fakeProvider(API_KEY);
    const name = uniqueName('reconcile');
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicPending(task), answers.musicSuccess(task)]);

    const first = webSide(name, provider, { after: 1, every: 1, giveUp: 60 });
    await first.reconciler.expect(task, { kind: 'music' });
    await first.reconciler.expect(task, { kind: 'music' });
    expect(await first.queue.getDelayedCount()).toBe(1);
    await first.reconciler.close();
    await first.queue.close();

    // Nothing of the first process is left: a new worker (another process, after a restart) takes the job when due.
    const second = workerSide(name, provider);
    const inspect = new Queue(name, { connection });
    cleanups.push(async () => {
      await second.worker.close();
      await second.pipeline.close();
      await inspect.obliterate({ force: true });
      await inspect.close();
      await provider.close();
    });
    await until(() => second.ready.length === 1, 15_000);
    expect(second.ready[0]?.key).toBe(`music:${task}:complete`);
    // Pending, then finished: the job slept between the two polls and was removed once done.
    expect(provider.requestsFor(task)).toHaveLength(2);
    // The event fires while the job is still finishing: wait for BullMQ to complete (and so remove) it.
    await untilGone(inspect, expectJobId(task));
    expect(provider.requestsFor(task)).toHaveLength(2);
    expect(second.errors).toEqual([]);
  });

  test('a task that never finishes gives task-timeout on the worker', async () => {
    const provider = await fakeProvider(API_KEY);
    const name = uniqueName('reconcile');
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicPending(task)]);
    const web = webSide(name, provider, { after: 1, every: 1, giveUp: 2 });
    const worker = workerSide(name, provider);
    cleanups.push(async () => {
      await worker.worker.close();
      await worker.pipeline.close();
      await web.queue.obliterate({ force: true });
      await web.queue.close();
      await provider.close();
    });
    const before = Date.now();
    await web.reconciler.expect(task, { kind: 'music' });
    await until(() => worker.timeouts.length === 1, 15_000);
    expect(worker.timeouts[0]).toMatchObject({ kind: 'music', taskId: task });
    expect(worker.timeouts[0]?.expectedAt.getTime()).toBeGreaterThanOrEqual(before + 1000);
    expect(Date.now() - before).toBeGreaterThanOrEqual(2000);
  });

  test('the final callback arriving first removes the job: no poll is made', async () => {
    const provider = await fakeProvider(API_KEY);
    const name = uniqueName('reconcile');
    const [called, silent] = [taskId(), taskId()];
    provider.script(MUSIC, called, [answers.musicSuccess(called)]);
    provider.script(MUSIC, silent, [answers.musicSuccess(silent)]);
    const web = webSide(name, provider, { after: 1, every: 1, giveUp: 60 });
    const worker = workerSide(name, provider);
    cleanups.push(async () => {
      await worker.worker.close();
      await worker.pipeline.close();
      await web.queue.obliterate({ force: true });
      await web.queue.close();
      await provider.close();
    });
    await web.reconciler.expect(called, { kind: 'music' });
    web.reconciler.accepted(called, 'complete', memoryLogger());
    // The removal is asynchronous (one Redis round trip): wait for the job to be gone.
    await untilGone(web.queue, expectJobId(called));
    await web.reconciler.expect(silent, { kind: 'music' });
    await until(() => worker.ready.length === 1, 15_000);
    expect(worker.ready[0]?.taskId).toBe(silent);
    expect(provider.requestsFor(called)).toHaveLength(0);
    expect(await web.queue.getJob(expectJobId(called))).toBeUndefined();
  });
});
