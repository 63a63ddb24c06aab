/**
 * What makes the web door portable: its module graph reaches no Node builtin (a neutral-platform bundle proves it),
 * and no door compiles code from strings at run time (a child Node process forbids it and still serves a callback).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { build, type Plugin } from 'esbuild';
import { generate } from '../scripts/compile-schemas.js';
import { AJV_OPTIONS, SCHEMAS } from '../lib/schemas/index.js';
import { readFileSync } from 'node:fs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Records every import esbuild resolves, and refuses Node builtins with the importer named. */
function builtinGuard(reached: string[]): Plugin {
  return {
    name: 'builtin-guard',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        if (args.path.startsWith('node:') || BUILTINS.has(args.path) || BUILTINS.has(args.path.split('/')[0] ?? '')) {
          reached.push(`${args.path} (imported by ${args.importer.replace(`${ROOT}/`, '')})`);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
}

async function bundle(entry: string): Promise<{ text: string; reached: string[]; inputs: string[] }> {
  const reached: string[] = [];
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    // What a Worker or Deno bundler would pick: ESM first, then the CommonJS `main`.
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [builtinGuard(reached)],
  });
  return { text: result.outputFiles[0]?.text ?? '', reached, inputs: Object.keys(result.metafile.inputs) };
}

describe('the web entry on a neutral platform', () => {
  it('bundles lib/web/index.ts with no node: module and no Node builtin reached', async () => {
    const { text, reached, inputs } = await bundle('lib/web/index.ts');
    expect(reached).toEqual([]);
    expect(inputs).toContain('lib/pipeline.ts');
    expect(inputs).toContain('lib/schemas/compiled.ts');
    // Neither ajv's compiler nor the Node signature module is in the graph.
    expect(inputs.filter((input) => /ajv\/dist\/(core|compile|ajv)|lib\/signature\.ts|lib\/middleware\.ts/.test(input))).toEqual([]);
    // Node-only globals would throw on a Worker without the Node compatibility flag.
    expect(text).not.toMatch(/\bBuffer\.(?:from|alloc|concat|isBuffer|byteLength)\b|\bprocess\.(?:env|nextTick|hrtime)\b|\bsetImmediate\(|\.unref\(\)/);
    expect(text).not.toMatch(/\bnew Function\(|\beval\(/);
  });

  it('bundles the Cloudflare Worker recipe the same way', async () => {
    expect((await bundle('examples/cloudflare-worker.ts')).reached).toEqual([]);
  });

  it('would catch a Node builtin: the Express entry reaches several', async () => {
    const { reached } = await bundle('lib/index.ts');
    expect(reached.some((entry) => entry.startsWith('node:crypto (imported by lib/signature.ts)'))).toBe(true);
  });
});

describe('precompiled schemas', () => {
  it('lib/schemas/compiled.ts is what scripts/compile-schemas.ts generates from the current schemas', () => {
    const current = readFileSync(join(ROOT, 'lib', 'schemas', 'compiled.ts'), 'utf8');
    // When this fails: run `npm run compile-schemas` and commit lib/schemas/compiled.ts.
    expect(current === generate(SCHEMAS as Record<string, object | undefined>, AJV_OPTIONS)).toBe(true);
  });
});

function runChild(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('node --disallow-code-generation-from-strings', () => {
  // One child serves a signed callback through each door over real HTTP, and prints the events it got. It first
  // shows that the flag is in force: ajv's run-time compilation throws there.
  const script = `
    import { createServer } from 'node:http';
    import { serve } from '@hono/node-server';
    import { compileValidators } from './lib/schemas/index.ts';
    import { sunoCallbacks } from './lib/index.ts';
    import * as web from './lib/web/index.ts';
    import { signatureHeaders } from './lib/signature.ts';
    try { compileValidators(); console.log('codegen allowed'); } catch (error) { console.log('codegen refused: ' + error.name); }
    const secret = process.env.SECRET;
    const taskId = process.env.TASK_ID;
    const body = JSON.stringify({ code: 200, msg: 'ok', data: { taskId, images: ['https://cdn.example/a.png'] } });
    const headers = { 'Content-Type': 'application/json', ...signatureHeaders(secret, taskId) };
    async function send(port, path) {
      const response = await fetch('http://127.0.0.1:' + port + path, { method: 'POST', headers, body });
      return response.status + ' ' + (await response.text());
    }
    const middleware = sunoCallbacks({ secret, processBeforeAck: true });
    middleware.on('cover-ready', (event) => console.log('express event ' + event.taskId + ' ' + event.images.length));
    const plain = createServer((req, res) => middleware(req, res, () => { res.statusCode = 404; res.end(); }));
    await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
    console.log('express answer ' + (await send(plain.address().port, '/suno/callback')));
    plain.close();
    const handler = web.sunoCallbacks({ secret, processBeforeAck: true });
    handler.on('cover-ready', (event) => console.log('web event ' + event.taskId + ' ' + event.images.length));
    const server = serve({ fetch: (request) => handler.fetch(request), port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    console.log('web answer ' + (await send(server.address().port, '/api/suno')));
    server.close();
    await Promise.all([middleware.close(), handler.close()]);
  `;

  it('both doors validate and serve a signed callback with code generation forbidden', async () => {
    const taskId = randomBytes(16).toString('hex');
    const { code, output } = await runChild(script, { SECRET: 'codegen-secret', TASK_ID: taskId });
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toContain('codegen refused: EvalError');
    expect(output).toContain('express answer 200 {"status":"received"}');
    expect(output).toContain(`express event ${taskId} 1`);
    expect(output).toContain('web answer 200 {"status":"received"}');
    expect(output).toContain(`web event ${taskId} 1`);
  }, 90_000);
});
