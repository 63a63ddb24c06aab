/**
 * suno-callbacks/bullmq in one process, against real Redis and PostgreSQL: what a job carries, how the worker
 * rebuilds the event, the package's job defaults under the queue's, the answers that keep "duplicate" honest, and a
 * job that runs out of attempts, listed and replayed with the CLI.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Queue, createPostgresBackend } from 'bullmq';
import { classify } from '../lib/classify.js';
import { runCli } from '../lib/cli/main.js';
import { buildEvent, identify } from '../lib/interpret.js';
import { dedupeKey } from '../lib/normalize.js';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF,
  DeliveryFailedError,
  deliverToQueue,
  enqueueCallback,
  jobIdOf,
  keyOfJobId,
  QueueError,
  sunoWorker,
  type CallbackQueue,
  type QueuedCallback,
  type SunoWorkerHandle,
} from '../lib/bullmq/index.js';
import express from 'express';
import request from 'supertest';
import { signatureHeaders } from '../lib/signature.js';
import { sunoCallbacks } from '../lib/index.js';
import { post, SECRET } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import { needs, POSTGRES_URL, REDIS_HOST, REDIS_PORT, REDIS_URL, uniqueName } from './helpers/services.js';
import { waitFor } from './helpers/workers.js';

type Backend = 'redis' | 'postgres';
const PG = { connectionString: POSTGRES_URL, migrate: true, max: 4 };
const REDIS = { host: REDIS_HOST, port: REDIS_PORT };
const OPTIONS = { timeoutMs: 5000, dedupeTtlMs: 60_000 };
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

function makeQueue(backend: Backend, defaultJobOptions: Record<string, unknown> = {}): Queue {
  const name = uniqueName('suno_unit');
  const queue =
    backend === 'postgres'
      ? (new Queue(name, { connection: PG, defaultJobOptions }, createPostgresBackend) as unknown as Queue)
      : new Queue(name, { connection: REDIS, defaultJobOptions });
  cleanup.push(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });
  return queue;
}

function makeWorker(backend: Backend, queue: Queue): SunoWorkerHandle {
  const options = { concurrency: 4, logger: quiet };
  const worker: SunoWorkerHandle =
    backend === 'postgres'
      ? sunoWorker(queue.name, { ...options, connection: PG }, createPostgresBackend)
      : sunoWorker(queue.name, { ...options, connection: REDIS });
  cleanup.push(() => worker.close());
  return worker;
}

function callbackOf(file: string, taskId: string, hint?: QueuedCallback['hint']): QueuedCallback {
  const body = fixture(file);
  if (typeof body.data === 'object' && body.data !== null && 'task_id' in body.data) body.data.task_id = taskId;
  else if (typeof body.data === 'object' && body.data !== null && 'taskId' in body.data) body.data.taskId = taskId;
  else body.task_id = taskId;
  const classified = classify(body, hint);
  if ('missing' in classified) throw new Error(`${file} has no task id`);
  return { key: dedupeKey(classified.kind ?? 'unknown', taskId, classified.stage), body, hint, receivedAt: new Date(1_700_000_000_000) };
}

describe('job ids', () => {
  it.each(['music:21aee3c3c2a01fa5e030b3799fa4dd56:complete', 'cover:12345:final', 'wav:a:b%3Ac~d%:final', 'unknown:%7E:final'])(
    'keyOfJobId(jobIdOf(%p)) gives the key back, and the id has no ":" and is not an integer',
    (key) => {
      const id = jobIdOf(key);
      expect(id).not.toContain(':');
      expect(`${Number.parseInt(id, 10)}`).not.toBe(id);
      expect(keyOfJobId(id)).toBe(key);
    },
  );
});

const describeServers = await needs('redis', 'postgres');
describeServers.each(['redis', 'postgres'] as const)('%s backend', (backend) => {
  it('a queued callback reaches the worker as the very typed event the middleware would have fired', async () => {
    const queue = makeQueue(backend);
    const worker = makeWorker(backend, queue);
    const callback = callbackOf('music.complete.sunoapi.json', uniqueName('task'));
    const seen: Array<[string, unknown]> = [];
    worker.on('music-ready', (event) => void seen.push(['music-ready', event]));
    worker.on('callback', (event) => void seen.push(['callback', event]));
    await enqueueCallback(queue, callback, OPTIONS);
    await waitFor('both listeners', () => seen.length === 2);

    const identified = identify(callback.body, undefined);
    if (identified === undefined) throw new Error('unexpected identification');
    const { names, event: expected } = buildEvent(identified, callback.body, callback.receivedAt);
    expect(names).toEqual(['music-ready', 'callback']);
    expect(seen).toEqual([
      ['music-ready', expected],
      ['callback', expected],
    ]);
  });

  it('job ids that BullMQ would refuse as given (an integer task id, colons) still queue, under the exact key', async () => {
    const queue = makeQueue(backend);
    const worker = makeWorker(backend, queue);
    const keys: string[] = [];
    worker.on('cover-ready', (event) => void keys.push(event.key));
    const callbacks = [callbackOf('cover.success.json', '12345'), callbackOf('cover.success.json', 'a:b%c~d')];
    for (const callback of callbacks) await enqueueCallback(queue, callback, OPTIONS);
    await waitFor('two cover events', () => keys.length === 2);
    expect(keys.sort()).toEqual(callbacks.map((callback) => callback.key).sort());
  });

  it("the package's job defaults fill only what the queue's defaultJobOptions leaves unset", async () => {
    const queue = makeQueue(backend, { attempts: 3, removeOnFail: true });
    const callback = callbackOf('wav.success.json', uniqueName('task'));
    await enqueueCallback(queue, callback, OPTIONS);
    const job = await queue.getJob(jobIdOf(callback.key));
    expect(job?.opts).toMatchObject({
      attempts: 3,
      removeOnFail: true,
      backoff: DEFAULT_BACKOFF,
      removeOnComplete: { age: OPTIONS.dedupeTtlMs / 1000 },
    });
    expect(job?.data).toEqual({ v: 1, body: callback.body, hint: null, receivedAt: callback.receivedAt.getTime() });

    const bare = makeQueue(backend);
    await enqueueCallback(bare, callback, OPTIONS);
    expect((await bare.getJob(jobIdOf(callback.key)))?.opts).toMatchObject({ attempts: DEFAULT_ATTEMPTS, backoff: DEFAULT_BACKOFF });
  });

  it("deliverToQueue answers 'duplicate' for a held claim only when the job exists; otherwise it queues the callback", async () => {
    const queue = makeQueue(backend);
    const first = callbackOf('video.success.sunoapi.json', uniqueName('task'));
    expect(await deliverToQueue(queue, first, true, OPTIONS)).toBe('received');
    expect(await deliverToQueue(queue, first, false, OPTIONS)).toBe('duplicate');
    // A claim left over from an add that failed (its release failed too): the job is missing, so it is queued now.
    const orphan = callbackOf('video.success.sunoapi.json', uniqueName('task'));
    expect(await deliverToQueue(queue, orphan, false, OPTIONS)).toBe('received');
    expect(await queue.getJob(jobIdOf(orphan.key))).toBeDefined();
  });

  it('one round trip (no store claim): the queue dedupes, and tells the first delivery from a redelivery', async () => {
    const queue = makeQueue(backend);
    const worker = makeWorker(backend, queue);
    const keys: string[] = [];
    worker.on('callback', (event) => void keys.push(event.key));
    const callback = callbackOf('midi.success.sunoapi.json', uniqueName('task'));
    const answers = [];
    for (let copy = 0; copy < 3; copy += 1) {
      answers.push(await deliverToQueue(queue, { ...callback, receivedAt: new Date(Date.now() + copy) }, undefined, OPTIONS));
    }
    expect(answers).toEqual(['received', 'duplicate', 'duplicate']);
    await waitFor('the callback', () => keys.length === 1);
    await waitFor('the job to complete', async () => (await queue.getJobCounts('completed')).completed === 1);
    expect(keys).toEqual([callback.key]);
  });

  it('with attempts: 2, a job that fails both sits in the failed set and `error` fires; `replay` runs it exactly once', async () => {
    const queue = makeQueue(backend, { attempts: 2, backoff: { type: 'fixed', delay: 50 } });
    const worker = makeWorker(backend, queue);
    let broken = true;
    const runs: string[] = [];
    const errors: unknown[] = [];
    worker.on('lyrics-ready', (event) => {
      runs.push(event.key);
      if (broken) throw new Error('the database is down');
    });
    worker.on('error', (error) => void errors.push(error));
    const callback = callbackOf('lyrics.complete.sunoapi.json', uniqueName('task'), 'lyrics');
    await enqueueCallback(queue, callback, OPTIONS);
    await waitFor('the error event', () => errors.length === 1);
    const [error] = errors;
    expect(error).toBeInstanceOf(DeliveryFailedError);
    expect(error).toMatchObject({ code: 'ERR_SUNO_DELIVERY', key: callback.key, attemptsMade: 2, event: { kind: 'lyrics', key: callback.key } });
    expect((error as DeliveryFailedError).cause).toEqual(expect.objectContaining({ message: 'the database is down' }));
    expect(runs).toEqual([callback.key, callback.key]);

    const where = backend === 'postgres' ? ['--postgres', POSTGRES_URL] : ['--redis', REDIS_URL];
    const listed = await cli(['failed', ...where, '--queue', queue.name, '--json']);
    expect(listed.code).toBe(0);
    const [kind, taskId, stage] = callback.key.split(':');
    expect(listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({ key: callback.key, kind, taskId, stage, attempts: 2, error: 'the database is down' }),
    ]);

    broken = false;
    const replayed = await cli(['replay', callback.key, ...where, '--queue', queue.name]);
    expect(replayed).toMatchObject({ code: 0, stdout: `replayed ${callback.key}\n` });
    await waitFor('the job to complete', async () => (await queue.getJobCounts('completed')).completed === 1);
    expect(runs).toEqual([callback.key, callback.key, callback.key]);
    expect(await cli(['failed', ...where, '--queue', queue.name])).toMatchObject({ code: 0, stdout: 'No failed callbacks.\n' });
    // Nothing left to replay: a second replay of the same key says so.
    expect((await cli(['replay', callback.key, ...where, '--queue', queue.name])).code).toBe(1);
  });

  it('close() waits for the running listeners', async () => {
    const queue = makeQueue(backend);
    const worker = makeWorker(backend, queue);
    let release: (() => void) | undefined;
    const finished: string[] = [];
    worker.on('cover-ready', async (event) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      finished.push(event.key);
    });
    const callback = callbackOf('cover.success.json', uniqueName('task'));
    await enqueueCallback(queue, callback, OPTIONS);
    await waitFor('the listener to start', () => release !== undefined);
    const closing = worker.close();
    release?.();
    await closing;
    expect(finished).toEqual([callback.key]);
    expect(await queue.getJobCounts('completed')).toEqual({ completed: 1 });
  });
});

describeServers.each(['redis', 'postgres'] as const)('the middleware with `queue` (%s backend)', (backend) => {
  it('queues an accepted callback before the 200, answers a redelivery `duplicate`, and the worker runs it once', async () => {
    const queue = makeQueue(backend);
    const suno = sunoCallbacks({ secret: SECRET, queue, logger: quiet });
    cleanup.push(() => suno.close());
    const duplicates: string[] = [];
    suno.on('duplicate', (event) => void duplicates.push(event.key));
    const app = express().use(suno);
    const body = fixture('cover.success.json');
    body.data.task_id = uniqueName('task');
    const key = `cover:${body.data.task_id as string}:final`;

    const first = await post(app, body);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: 'received' });
    // Before the answer, not after: the job is there the moment the sender has its 200. (With the default memory
    // store the queue dedupes across processes by itself, so the job id is the key plus a suffix.)
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((job) => keyOfJobId(job.id ?? ''))).toEqual([key]);
    expect(jobs[0]?.data).toMatchObject({ v: 1, body, hint: null });

    const again = await post(app, body);
    expect(again.body).toEqual({ status: 'duplicate' });
    expect(duplicates).toEqual([key]);

    const worker = makeWorker(backend, queue);
    const seen: string[] = [];
    worker.on('cover-ready', (event) => void seen.push(event.key));
    await waitFor('the job to complete', async () => (await queue.getJobCounts('completed')).completed === 1);
    expect(seen).toEqual([key]);
  });
});

describeServers('the middleware with `queue`, a body that is not JSON', () => {
  it('is queued as its raw text and reaches the worker as `unrecognized` with `raw`', async () => {
    const queue = makeQueue('redis');
    const suno = sunoCallbacks({ secret: SECRET, queue, logger: quiet });
    cleanup.push(() => suno.close());
    const taskId = uniqueName('task');
    const text = `{"code":200,"msg":"ok","data":{"task_id":"${taskId}","images":["https://x/1.png"]`;
    const response = await request(express().use(suno))
      .post('/suno/callback')
      .set(signatureHeaders(SECRET, taskId))
      .set('Content-Type', 'application/json')
      .send(text);
    expect(response.body).toEqual({ status: 'received' });
    const worker = makeWorker('redis', queue);
    const seen: unknown[] = [];
    worker.on('unrecognized', (event) => void seen.push(event));
    await waitFor('the unrecognized event', () => seen.length === 1);
    expect(seen[0]).toMatchObject({ kind: 'unknown', taskId, raw: text });
  });
});

describe('the `queue` option', () => {
  const queue: CallbackQueue = { name: 'q', defaultJobOptions: {}, add: () => Promise.resolve({ id: 'x' }), getJob: () => Promise.resolve(undefined) };

  it('moves callback listeners to the worker: suno.on() of a callback event throws a TypeError that says so', () => {
    const suno = sunoCallbacks({ secret: SECRET, queue });
    expect(() => suno.on('music-ready', () => undefined)).toThrow(TypeError);
    expect(() => suno.on('callback', () => undefined)).toThrow(/belong on a worker \(sunoWorker from 'suno-callbacks\/bullmq'\)/);
    expect(() => suno.on('unrecognized', () => undefined)).toThrow(TypeError);
    // What happens on the web side stays there.
    expect(() => suno.on('duplicate', () => undefined).on('rejected', () => undefined).on('error', () => undefined)).not.toThrow();
  });

  it('refuses what is not a queue, and `processBeforeAck` alongside it', () => {
    expect(() => sunoCallbacks({ secret: SECRET, queue: {} as CallbackQueue })).toThrow(/`queue` must be a BullMQ Queue/);
    expect(() => sunoCallbacks({ secret: SECRET, queue, processBeforeAck: true })).toThrow(/`queue` and `processBeforeAck`/);
  });
});

describe('sunoWorker().on', () => {
  it('refuses `duplicate` and `rejected`, which fire on the middleware, with a TypeError that says so', async () => {
    const worker = sunoWorker(uniqueName('suno_unit'), { connection: REDIS, autorun: false, logger: quiet });
    try {
      expect(() => worker.on('duplicate' as never, () => undefined)).toThrow(/middleware/);
      expect(() => worker.on('rejected' as never, () => undefined)).toThrow(TypeError);
    } finally {
      await worker.close();
    }
  });
});

describe('enqueueCallback', () => {
  it('rejects with a QueueError when the queue does not answer in time', async () => {
    const hung: CallbackQueue = {
      name: 'hung',
      defaultJobOptions: {},
      add: () => new Promise(() => undefined),
      getJob: () => new Promise(() => undefined),
    };
    const callback = callbackOf('wav.success.json', 'hung-task');
    await expect(enqueueCallback(hung, callback, { timeoutMs: 50, dedupeTtlMs: 1000 })).rejects.toBeInstanceOf(QueueError);
    await expect(deliverToQueue(hung, callback, false, { timeoutMs: 50, dedupeTtlMs: 1000 })).rejects.toThrow(/no answer within 50 ms/);
  });
});

describe('suno-callbacks failed / replay, usage', () => {
  it('name the missing queue options, without touching a server (exit 2)', async () => {
    expect(await cli(['failed', '--redis', REDIS_URL])).toMatchObject({ code: 2, stderr: expect.stringContaining('--queue <name> is required') });
    expect(await cli(['failed', '--queue', 'q'])).toMatchObject({ code: 2, stderr: expect.stringContaining('exactly one of --redis') });
    expect(await cli(['replay', '--redis', REDIS_URL, '--queue', 'q'])).toMatchObject({ code: 2, stderr: expect.stringContaining('<key> or --all') });
    expect(await cli(['replay', 'k', '--all', '--redis', REDIS_URL, '--queue', 'q'])).toMatchObject({ code: 2 });
  });

  it('are listed in the main help', async () => {
    const help = await cli(['--help']);
    expect(help.stdout).toMatch(/suno-callbacks failed --redis <url> --queue <name>/);
    expect(help.stdout).toMatch(/suno-callbacks replay <key>\|--all/);
  });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    version: 'test',
  });
  return { code, stdout, stderr };
}
