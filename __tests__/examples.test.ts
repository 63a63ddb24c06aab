/**
 * Every example in examples/ is a runnable server: start each as a user would (tsx), send it a signed callback, and
 * check that it answers and that its listener ran. Recipes in the README point at these files.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { fixture } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';
import { needs } from './helpers/services.js';
import { signatureHeaders } from '../lib/signature.js';

const SECRET = 'examples-test-secret';
const running: ChildProcessWithoutNullStreams[] = [];

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
});

interface Started {
  port: number;
  output: () => string;
}

async function start(file: string, env: Record<string, string> = {}, cwd?: string): Promise<Started> {
  const port = await freePort();
  // From another working directory, `--import tsx` would not find tsx: name its loader by URL.
  const tsx = cwd === undefined ? 'tsx' : pathToFileURL(join(process.cwd(), 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(process.cwd(), file)], {
    env: { ...process.env, PORT: String(port), SUNO_WEBHOOK_SECRET: SECRET, ...env },
    ...(cwd === undefined ? {} : { cwd }),
  });
  running.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { method: 'HEAD' });
      return { port, output: () => output };
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${file} did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** POSTs a signed cover callback with a fresh task id (stores outlive test runs); resolves with the answer and the id. */
async function sendCover(
  port: number,
  path: string,
  options: { query?: string; taskId?: string; images?: string[] } = {},
): Promise<{ status: number; body: unknown; taskId: string }> {
  const body = fixture('cover.success.json');
  const taskId = options.taskId ?? randomBytes(16).toString('hex');
  body.data.taskId = taskId;
  if (options.images !== undefined) body.data.images = options.images;
  const response = await fetch(`http://127.0.0.1:${port}${path}${options.query ?? ''}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...signatureHeaders(SECRET, taskId) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), taskId };
}

async function eventually(started: Started, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!started.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`expected "${text}" in the output:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('examples', () => {
  it.each([
    ['examples/server.ts', '/suno/callback', {}],
    ['examples/quick-start.ts', '/suno/callback', {}],
    ['examples/with-body-parser.ts', '/suno/callback', {}],
    ['examples/capture.ts', '/suno/callback', { CAPTURE_DIR: mkdtempSync(join(tmpdir(), 'suno-example-capture-')) }],
    ['examples/secret-rotation.ts', '/suno/callback', { SUNO_KEY_NEW: 'the-new-key', SUNO_KEY_OLD: SECRET }],
    ['examples/behind-proxy.ts', '/hooks/suno/callback', {}],
    ['examples/custom-store.ts', '/suno/callback', {}],
  ])('%s receives a signed callback and runs its listener', async (file, path, env) => {
    const started = await start(file, env);
    const first = await sendCover(started.port, path);
    expect(first).toMatchObject({ status: 200, body: { status: 'received' } });
    const again = await sendCover(started.port, path, { taskId: first.taskId });
    expect(again).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    await eventually(started, first.taskId);
  }, 40_000);

  it('examples/download-assets.ts downloads a cover from a local server into its folder', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const assets: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length }).end(png);
    });
    await new Promise<void>((resolve) => assets.listen(0, '127.0.0.1', resolve));
    const address = assets.address();
    const assetPort = typeof address === 'object' && address !== null ? address.port : 0;
    const dir = mkdtempSync(join(tmpdir(), 'suno-example-downloads-'));
    try {
      // Loopback only: the example refuses private addresses unless told otherwise, and no test leaves this machine.
      const started = await start('examples/download-assets.ts', { DOWNLOAD_DIR: dir, ALLOW_PRIVATE_DOWNLOADS: '1' });
      const images = [`http://127.0.0.1:${assetPort}/a.png`, `http://127.0.0.1:${assetPort}/b.png`];
      const sent = await sendCover(started.port, '/suno/callback', { images });
      expect(sent).toMatchObject({ status: 200, body: { status: 'received' } });
      await eventually(started, `${sent.taskId}: 2 file(s)`);
      expect(readdirSync(join(dir, sent.taskId)).sort()).toEqual(['cover-0.png', 'cover-1.png']);
    } finally {
      assets.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);

  it('examples/download-each-asset.ts (both recipes of docs/downloads.md) downloads from the provider hosts only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'suno-example-recipes-'));
    try {
      // The recipes allow PROVIDER_ASSET_HOSTS only: links to this machine are refused, by both listeners.
      const started = await start('examples/download-each-asset.ts', {}, dir);
      const sent = await sendCover(started.port, '/suno/callback', { images: ['http://127.0.0.1:9/a.png'] });
      expect(sent).toMatchObject({ status: 200, body: { status: 'received' } });
      await eventually(started, 'host_not_allowed');
      await eventually(started, `[error] ERR_SUNO_LISTENER`);
      expect(started.output()).not.toContain('saved');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);

  it('examples/url-token.ts accepts the token and refuses a wrong one', async () => {
    const started = await start('examples/url-token.ts', { SUNO_CALLBACK_TOKEN: 'token-from-the-environment' });
    expect((await sendCover(started.port, '/suno/callback', { query: '?token=wrong' })).status).toBe(401);
    const accepted = await sendCover(started.port, '/suno/callback', { query: '?token=token-from-the-environment' });
    expect(accepted).toMatchObject({ status: 200, body: { status: 'received' } });
    await eventually(started, accepted.taskId);
    expect(started.output()).not.toContain('token-from-the-environment');
  }, 40_000);

  it('examples/serverless.ts answers only after its listener has run', async () => {
    const started = await start('examples/serverless.ts');
    const body = fixture('music.complete.sunoapi.json');
    const response = await fetch(`http://127.0.0.1:${started.port}/suno/callback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...signatureHeaders(SECRET, body.data.task_id) },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    // processBeforeAck: by the time the answer arrives, the listener has already written its line.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started.output()).toContain('saved 2 track(s) of 2fac****9f72');
  }, 40_000);
});

const describeRedis = await needs('redis');
describeRedis('examples with Redis', () => {
  it('examples/redis.ts receives a signed callback', async () => {
    const started = await start('examples/redis.ts');
    const first = await sendCover(started.port, '/suno/callback');
    expect(first).toMatchObject({ status: 200, body: { status: 'received' } });
    await eventually(started, first.taskId);
  }, 40_000);
});

const describePostgres = await needs('postgres');
describePostgres('examples with PostgreSQL', () => {
  it('examples/postgres.ts receives a signed callback', async () => {
    const started = await start('examples/postgres.ts');
    const first = await sendCover(started.port, '/suno/callback');
    expect(first).toMatchObject({ status: 200, body: { status: 'received' } });
    await eventually(started, first.taskId);
  }, 40_000);
});
