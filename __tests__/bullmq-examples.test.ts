/**
 * examples/bullmq/: the web process and the worker process, started as a user would (tsx), on Redis and on BullMQ's
 * PostgreSQL backend. A signed callback sent to the web process is run by the worker's listener.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from '@jest/globals';
import { Queue, createPostgresBackend } from 'bullmq';
import { fixture } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';
import { needs, POSTGRES_URL, REDIS_HOST, REDIS_PORT, uniqueName } from './helpers/services.js';
import { waitFor } from './helpers/workers.js';
import { signatureHeaders } from '../lib/signature.js';

const SECRET = 'bullmq-examples-test-secret';
const running: ChildProcessWithoutNullStreams[] = [];
const cleanup: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  await Promise.all(
    running.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const step of cleanup.splice(0)) await step().catch(() => undefined);
});

function start(file: string, env: Record<string, string>): { output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { env: { ...process.env, SUNO_WEBHOOK_SECRET: SECRET, ...env } });
  running.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { output: () => output };
}

const describeServers = await needs('redis', 'postgres');
describeServers.each(['Redis', 'PostgreSQL'] as const)('examples/bullmq on %s', (backend) => {
  it('web.ts queues a signed callback and worker.ts runs its listener', async () => {
    const port = await freePort();
    const queueName = uniqueName('suno_example');
    const env: Record<string, string> = { SUNO_QUEUE: queueName, PORT: String(port), REDIS_URL: `redis://${REDIS_HOST}:${REDIS_PORT}` };
    if (backend === 'PostgreSQL') env.DATABASE_URL = POSTGRES_URL;
    const queue =
      backend === 'PostgreSQL'
        ? (new Queue(queueName, { connection: { connectionString: POSTGRES_URL, migrate: true, max: 2 } }, createPostgresBackend) as unknown as Queue)
        : new Queue(queueName, { connection: { host: REDIS_HOST, port: REDIS_PORT } });
    cleanup.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    const web = start('examples/bullmq/web.ts', env);
    const worker = start('examples/bullmq/worker.ts', env);
    await waitFor('the web process to listen', () => web.output().includes('listening on'), 60_000);
    await waitFor('the worker to start', () => worker.output().includes('worker on queue'), 60_000);

    const body = fixture('cover.success.json');
    const taskId = randomBytes(16).toString('hex');
    body.data.task_id = taskId;
    const response = await fetch(`http://127.0.0.1:${port}/suno/callback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...signatureHeaders(SECRET, taskId) },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'received' });
    await waitFor('the worker to run the listener', () => worker.output().includes(`cover final task=${taskId}`), 30_000);
  }, 120_000);
});
