/**
 * What a contributor meets in a fresh clone: `npm run cli -- send ...` delivers a signed callback to a running
 * receiver, and the development server fails loudly (exit code 1) when its port is taken instead of exiting 0.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { memoryLogger } from './helpers/app.js';
import { PACKAGE_ROOT } from './helpers/pack.js';
import { sunoCallbacks, type CoverReadyEvent } from '../lib/index.js';

const SECRET = 'fresh-clone-secret';
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function runToExit(command: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(command, args, { cwd: PACKAGE_ROOT, env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('a fresh clone', () => {
  it('`npm run cli -- send cover --url ...` delivers a signed cover callback', async () => {
    const suno = sunoCallbacks({ secret: SECRET, logger: memoryLogger() });
    const covers: CoverReadyEvent[] = [];
    suno.on('cover-ready', (event) => void covers.push(event));
    const port = await listen(createServer(express().use(suno)));

    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = await runToExit(npm, [
      'run', '--silent', 'cli', '--', 'send', 'cover', '--url', `http://127.0.0.1:${port}/suno/callback`, '--secret', SECRET,
    ]);
    expect(result).toEqual({ code: 0, output: expect.stringContaining('received') });
    expect(covers).toHaveLength(1);
    expect(covers[0]?.images.length).toBeGreaterThan(0);
    await suno.close();
  }, 60_000);

  it('examples/server.ts reports a port already in use and exits non-zero', async () => {
    const port = await listen(createServer((_req, res) => res.end('taken')));
    const result = await runToExit(process.execPath, ['--import', 'tsx', 'examples/server.ts'], { PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.output).toContain(`could not listen: port ${port} is already in use`);
    expect(result.output).not.toContain('listening on');
  }, 60_000);
});
