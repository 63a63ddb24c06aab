/**
 * The set-up block of docs/telemetry.md, run as a user would: extracted from the page, its package imports pointed
 * at the source tree, started with tsx, sent a signed callback, then stopped with SIGTERM so the SDK flushes. Its
 * console exporters must print the request's span and the callback counter.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from './helpers/fixtures.js';
import { PACKAGE_ROOT } from './helpers/pack.js';
import { freePort } from './helpers/ports.js';
import { signatureHeaders } from '../lib/signature.js';

const SECRET = 'docs-telemetry-secret';
const RUN_DIR = join(PACKAGE_ROOT, '.docs-run');

afterAll(() => rmSync(RUN_DIR, { recursive: true, force: true }));

function setUpBlock(): string {
  const page = readFileSync(join(PACKAGE_ROOT, 'docs', 'telemetry.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(page)?.[1];
  if (block === undefined) throw new Error('docs/telemetry.md has no ```ts block');
  return block
    .replace("from 'suno-callbacks/otel'", `from '${join(PACKAGE_ROOT, 'lib', 'telemetry', 'otel.ts')}'`)
    .replace("from 'suno-callbacks'", `from '${join(PACKAGE_ROOT, 'lib', 'index.ts')}'`);
}

describe('docs/telemetry.md', () => {
  it('its Node SDK set-up prints the suno.callback span and the suno.callbacks counter', async () => {
    mkdirSync(RUN_DIR, { recursive: true });
    const file = join(RUN_DIR, `telemetry-${process.pid}.ts`);
    writeFileSync(file, setUpBlock());
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, PORT: String(port), SUNO_WEBHOOK_SECRET: SECRET },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    try {
      const body = fixture('cover.success.json');
      const deadline = Date.now() + 20_000;
      let status = 0;
      while (status === 0) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/suno/callback`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Connection: 'close', ...signatureHeaders(SECRET, body.data.taskId) },
            body: JSON.stringify(body),
          });
          status = response.status;
        } catch {
          if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the set-up did not start:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      expect(status).toBe(200);
      while (!output.includes(`cover ${body.data.taskId}`)) {
        if (Date.now() > deadline) throw new Error(`the listener never ran:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toMatch(/name: 'suno\.callback'/);
    expect(output).toMatch(/'suno\.outcome': 'received'/);
    expect(output).toMatch(/name: 'suno\.callbacks'/);
  }, 60_000);
});
