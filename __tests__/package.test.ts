/**
 * The package as users get it: built by `prepack`, packed by `npm pack`, installed from the tarball into a fresh
 * project next to express 5, and used from ESM, CommonJS and TypeScript. Nothing here imports the source tree.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { FIXTURES_DIR } from './helpers/fixtures.js';
import {
  PACKAGE_ROOT,
  assertSucceeded,
  childEnv,
  freePort,
  installedVersion,
  killGroup,
  pack,
  run,
  stageRepository,
  temporaryDirectory,
  type Packed,
  type RunResult,
} from './helpers/pack.js';

/**
 * Subpaths whose sources are still being written. While one of these is not built, its checks are skipped with a
 * warning; once it lands, remove it from here so that a missing build fails the suite.
 */
const PENDING_SUBPATHS = new Set<string>([]);
/** Same, for the `suno-callbacks` bin (dist/cli.js). */
const BIN_PENDING = false;

/** Files npm puts in every tarball when the repository has them; MIT requires the licence text to travel with the code. */
const DOCS_PENDING = false;
const DOCS = ['README.md', 'LICENSE'];

/** The factory each subpath is expected to export (DESIGN.md, "Stores"). */
const SUBPATH_EXPORTS: Record<string, string> = {
  './redis': 'redisStore',
  './postgres': 'postgresStore',
  './testing': 'testStore',
  './download': 'downloadListener',
  './otel': 'otel',
  // Not `sunoCallbacks`: the consumer below imports that name from the root already.
  './web': 'computeSignatureAsync',
};

const OPTIONAL_PEERS = ['ioredis', 'redis', 'pg'];

/** The Quick start as the README shows it; the README's own block is used instead as soon as it has one. */
const QUICK_START = `import express from 'express';
import { sunoCallbacks } from 'suno-callbacks';

const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET });
const app = express();
app.use(suno);                     // POST /suno/callback and POST /suno/callback/:kind

suno.on('cover-ready', (event) => console.log('cover', event.taskId, event.images));
suno.on('video-ready', (event) => console.log('video', event.taskId, event.videoUrl, event.expiresAt));
suno.on('failure', (event) => console.error('failed', event.kind, event.code, event.reason));

app.listen(process.env.PORT ?? 3000);
`;

function readmeQuickStart(): string | undefined {
  const readme = join(PACKAGE_ROOT, 'README.md');
  if (!existsSync(readme)) return undefined;
  const text = readFileSync(readme, 'utf8');
  const heading = /^(#+) *quick ?start.*$/im.exec(text);
  if (heading === null) return undefined;
  // Only the Quick start section itself: up to the next heading of the same or a higher level.
  const rest = text.slice(heading.index + heading[0].length);
  const next = new RegExp(`^#{1,${heading[1]?.length ?? 1}} `, 'm').exec(rest);
  const section = next === null ? rest : rest.slice(0, next.index);
  return /```(?:js|javascript|mjs)\n([\s\S]*?)```/.exec(section)?.[1];
}

const SECRET = 'consumer-secret-not-a-real-key';
const FIFTEEN_SECONDS = 15_000;

function sign(secret: string, taskId: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${taskId}.${timestamp}`).digest('base64');
}

function fixtureText(file: string): string {
  return readFileSync(join(FIXTURES_DIR, file), 'utf8');
}

/**
 * A user's program: load the package the way `style` does, mount it on express 5, deliver the fixture to itself
 * three times (forged signature, real signature, redelivery) and print what it saw as one JSON line. The signature is
 * computed here with node:crypto, as the provider does, not with the package's own helper.
 */
function userProgram(style: 'esm' | 'cjs'): string {
  const imports =
    style === 'esm'
      ? `import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import express from 'express';
import { sunoCallbacks, memoryStore } from 'suno-callbacks';
const require = createRequire(import.meta.url);
const esmResolved = import.meta.resolve('suno-callbacks');`
      : `const { createHmac } = require('node:crypto');
const { once } = require('node:events');
const { readFileSync } = require('node:fs');
const express = require('express');
const { sunoCallbacks, memoryStore } = require('suno-callbacks');
const esmResolved = undefined;`;
  return `${imports}

function resolvable(name) {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const body = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const taskId = body.data.taskId ?? body.data.task_id;
  const secret = ${JSON.stringify(SECRET)};
  const sign = (id, timestamp) => createHmac('sha256', secret).update(id + '.' + timestamp).digest('base64');

  const suno = sunoCallbacks({ secret, store: memoryStore() });
  const fired = new Promise((resolve) => suno.on('callback', resolve));
  const app = express();
  app.use(suno);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  console.log('port ' + port);

  async function deliver(signature, timestamp) {
    const response = await fetch('http://127.0.0.1:' + port + '/suno/callback', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Webhook-Timestamp': String(timestamp),
        'X-Webhook-Signature': signature,
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }
  const now = Math.floor(Date.now() / 1000);
  const forged = await deliver(sign('some-other-task', now), now);
  const first = await deliver(sign(taskId, now), now);
  const again = await deliver(sign(taskId, now), now);
  const event = await fired;

  await suno.close();
  server.closeAllConnections();
  server.close();
  console.log('result ' + JSON.stringify({
    forged,
    first,
    again,
    event: { kind: event.kind, stage: event.stage, taskId: event.taskId, key: event.key },
    resolved: require.resolve('suno-callbacks'),
    esmResolved,
    optionalPeersResolvable: ${JSON.stringify(OPTIONAL_PEERS)}.filter(resolvable),
  }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;
}

interface UserResult {
  forged: { status: number; body: { error?: string } };
  first: { status: number; body: unknown };
  again: { status: number; body: unknown };
  event: { kind: string; stage: string; taskId: string; key: string };
  resolved: string;
  esmResolved?: string;
  optionalPeersResolvable: string[];
}

function resultLine(stdout: string): UserResult {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('result '));
  if (line === undefined) throw new Error(`the program printed no result:\n${stdout}`);
  return JSON.parse(line.slice('result '.length)) as UserResult;
}

/** One HTTP request to 127.0.0.1; resolves with status and text, rejects on a connection error. */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    outgoing.on('error', reject);
    outgoing.setTimeout(5000, () => outgoing.destroy(new Error('no answer within 5 s')));
    outgoing.end(body);
  });
}

describe('the packed package, installed from its tarball into a fresh project', () => {
  let work: string;
  let consumer: string;
  let packed: Packed;
  let installedRoot: string;
  let manifest: {
    exports: Record<string, string | Record<string, string>>;
    main: string;
    types: string;
    bin?: Record<string, string>;
    typesVersions?: Record<string, Record<string, string[]>>;
  };

  const inTarball = (target: string) => packed.files.includes(target.replace(/^\.\//, ''));

  beforeAll(async () => {
    work = temporaryDirectory('suno-callbacks-pack-');
    const stage = stageRepository(work);
    packed = await pack(stage, work, 60_000);

    consumer = join(work, 'consumer');
    const dependencies = [
      packed.tarball,
      `express@${installedVersion('express')}`,
      `@types/express@${installedVersion('@types/express')}`,
      `@types/node@${installedVersion('@types/node')}`,
      // The peer of `suno-callbacks/otel` only; no other file imports it (checked below).
      `@opentelemetry/api@${installedVersion('@opentelemetry/api')}`,
    ];
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    assertSucceeded(
      'npm install in the consumer project',
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...dependencies], {
        cwd: consumer,
        timeoutMs: 110_000,
      }),
    );
    installedRoot = join(consumer, 'node_modules', 'suno-callbacks');
    manifest = JSON.parse(readFileSync(join(installedRoot, 'package.json'), 'utf8')) as typeof manifest;
    writeFileSync(join(consumer, 'esm-user.mjs'), userProgram('esm'));
    writeFileSync(join(consumer, 'cjs-user.cjs'), userProgram('cjs'));
  }, 180_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  describe('tarball', () => {
    it('holds only package metadata and dist/ JavaScript and declarations: no sources, tests or maps', () => {
      const allowed = /^(package\.json|README(\.md)?|LICEN[CS]E(\.md|\.txt)?|CHANGELOG\.md|dist\/.+\.(js|d\.ts))$/i;
      expect(packed.files.filter((file) => !allowed.test(file))).toEqual([]);
      expect(packed.files.filter((file) => /\.map$|^(lib|__tests__|examples|bench|\.ci)\//.test(file))).toEqual([]);
      expect(packed.files).toEqual(expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts']));
    });

    it('ships README.md and LICENSE', () => {
      const absent = DOCS.filter((file) => !packed.files.includes(file));
      if (absent.length > 0 && DOCS_PENDING) {
        console.warn(`SKIPPED: ${absent.join(' and ')} not in the tarball yet (the repository has no such file).`);
        return;
      }
      expect(absent).toEqual([]);
    });

    it('has a .d.ts next to every .js in dist/', () => {
      const scripts = packed.files.filter((file) => file.endsWith('.js'));
      expect(scripts.length).toBeGreaterThan(5);
      const undeclared = scripts.filter((file) => !packed.files.includes(file.replace(/\.js$/, '.d.ts')));
      expect(undeclared).toEqual([]);
    });

    it('declares `types` first in every export condition, and main, types and "." point at files it contains', () => {
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        if (typeof target === 'string') continue;
        expect([subpath, Object.keys(target)[0]]).toEqual([subpath, 'types']);
      }
      const root = manifest.exports['.'] as Record<string, string>;
      for (const target of [root.types, root.default, manifest.main, manifest.types]) {
        expect([target, inTarball(target ?? '')]).toEqual([target, true]);
      }
    });

    it('builds every subpath export it declares (subpaths still being written are skipped with a warning)', () => {
      const missing: string[] = [];
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        if (typeof target === 'string' || subpath === '.') continue;
        const absent = Object.values(target).filter((file) => !inTarball(file));
        if (absent.length === 0) continue;
        if (PENDING_SUBPATHS.has(subpath)) {
          console.warn(`SKIPPED: export "${subpath}" is not built yet (${absent.join(', ')} missing from the tarball).`);
        } else {
          missing.push(`${subpath}: ${absent.join(', ')}`);
        }
      }
      expect(missing).toEqual([]);
    });
  });

  it('imports @opentelemetry/api only from the otel subpath, so the rest never needs it installed', () => {
    const importers = packed.files
      .filter((file) => file.endsWith('.js'))
      .filter((file) => /from ['"]@opentelemetry\/api['"]|import\(['"]@opentelemetry\/api['"]\)/.test(readFileSync(join(installedRoot, file), 'utf8')));
    expect(importers).toEqual(['dist/telemetry/otel.js']);
  });

  it('loads for an ESM user, mounts on express 5 and receives a signed callback', async () => {
    const result = await run('node', ['esm-user.mjs', join(FIXTURES_DIR, 'cover.success.json')], {
      cwd: consumer,
      timeoutMs: FIFTEEN_SECONDS,
    });
    assertSucceeded('the ESM user program', result);
    const seen = resultLine(result.stdout);
    expect(seen.forged).toEqual({ status: 401, body: expect.objectContaining({ error: 'invalid_signature' }) });
    expect(seen.first).toEqual({ status: 200, body: { status: 'received' } });
    expect(seen.again).toEqual({ status: 200, body: { status: 'duplicate' } });
    expect(seen.event).toEqual({
      kind: 'cover',
      stage: 'final',
      taskId: '21aee3c3c2a01fa5e030b3799fa4dd56',
      key: 'cover:21aee3c3c2a01fa5e030b3799fa4dd56:final',
    });
    expect(seen.esmResolved).toBe(`file://${join(installedRoot, 'dist', 'index.js')}`);
  });

  it('loads for a CommonJS user through require(esm), mounts on express 5 and receives a signed callback', async () => {
    const result = await run('node', ['cjs-user.cjs', join(FIXTURES_DIR, 'video.success.sunoapi.json')], {
      cwd: consumer,
      timeoutMs: FIFTEEN_SECONDS,
    });
    assertSucceeded('the CommonJS user program', result);
    const seen = resultLine(result.stdout);
    expect(seen.forged.status).toBe(401);
    expect(seen.first).toEqual({ status: 200, body: { status: 'received' } });
    expect(seen.again).toEqual({ status: 200, body: { status: 'duplicate' } });
    expect(seen.event).toEqual({
      kind: 'video',
      stage: 'final',
      taskId: 'taskId_774b9aa0422f',
      key: 'video:taskId_774b9aa0422f:final',
    });
    expect(seen.resolved).toBe(join(installedRoot, 'dist', 'index.js'));
  });

  it('works without ioredis, redis or pg: none is installed, none can be resolved, and the main entry loads', async () => {
    expect(OPTIONAL_PEERS.filter((name) => existsSync(join(consumer, 'node_modules', name)))).toEqual([]);
    const result = await run('node', ['esm-user.mjs', join(FIXTURES_DIR, 'cover.success.json')], {
      cwd: consumer,
      timeoutMs: FIFTEEN_SECONDS,
    });
    assertSucceeded('the ESM user program', result);
    expect(resultLine(result.stdout).optionalPeersResolvable).toEqual([]);
  });

  it('runs the README quick start, which prints a signed cover callback and a signed video callback', async () => {
    const fromReadme = readmeQuickStart();
    if (fromReadme === undefined) console.warn('README.md has no Quick start ```js block yet: testing the brief\'s copy.');
    writeFileSync(join(consumer, 'quick-start.mjs'), fromReadme ?? QUICK_START);

    const cover = JSON.parse(fixtureText('cover.success.json')) as { data: { taskId: string; images: string[] } };
    const video = JSON.parse(fixtureText('video.success.sunoapi.json')) as { data: { task_id: string; video_url: string } };

    // The quick start listens on $PORT and prints nothing until a callback arrives: pick a free port, then wait for
    // any HTTP answer on it. Another process may take the port in between; that attempt is retried on a new port.
    let port = 0;
    let stdout = '';
    let stderr = '';
    let child: ReturnType<typeof spawn> | undefined;
    let exited: Promise<number | null> = Promise.resolve(null);
    try {
      for (let attempt = 0; attempt < 3 && port === 0; attempt += 1) {
        const candidate = await freePort();
        stdout = '';
        stderr = '';
        const started = spawn('node', ['quick-start.mjs'], {
          cwd: consumer,
          env: childEnv({ PORT: String(candidate), SUNO_WEBHOOK_SECRET: SECRET }),
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        child = started;
        started.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        started.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        let gone = false;
        exited = new Promise((resolve) => started.on('exit', (code) => ((gone = true), resolve(code))));
        const deadline = Date.now() + FIFTEEN_SECONDS;
        while (!gone && Date.now() < deadline) {
          try {
            await send(candidate, 'GET', '/');
            port = candidate;
            break;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        if (port === 0 && !/EADDRINUSE/.test(stderr)) {
          throw new Error(`the quick start never listened on PORT=${candidate} (does it use process.env.PORT?)\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
        }
      }
      expect(port).not.toBe(0);

      const now = Math.floor(Date.now() / 1000);
      const deliver = (body: string, taskId: string) =>
        send(port, 'POST', '/suno/callback', {
          'Content-Type': 'application/json',
          'X-Webhook-Timestamp': String(now),
          'X-Webhook-Signature': sign(SECRET, taskId, now),
        }, body);
      expect(await deliver(fixtureText('cover.success.json'), cover.data.taskId)).toEqual({
        status: 200,
        text: '{"status":"received"}',
      });
      expect(await deliver(fixtureText('video.success.sunoapi.json'), video.data.task_id)).toEqual({
        status: 200,
        text: '{"status":"received"}',
      });

      const deadline = Date.now() + FIFTEEN_SECONDS;
      while (!(/^cover /m.test(stdout) && /^video /m.test(stdout)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(stdout).toMatch(new RegExp(`^cover ${cover.data.taskId} \\[`, 'm'));
      for (const image of cover.data.images) expect(stdout).toContain(`'${image}'`);
      const videoLine = new RegExp(`^video ${video.data.task_id} ${video.data.video_url.replace(/[.]/g, '\\.')} (\\S+)$`, 'm');
      const printed = videoLine.exec(stdout);
      expect(printed).not.toBeNull();
      // expiresAt is printed as a Date: about 14 days after the callback arrived.
      const expiresAt = Date.parse(printed?.[1] ?? '');
      expect(Math.abs(expiresAt - (now * 1000 + 14 * 24 * 3600 * 1000))).toBeLessThan(10 * 60 * 1000);
      expect(stderr).toBe('');
    } finally {
      killGroup(child?.pid, 'SIGTERM');
      await exited;
    }
  });

  it('compiles a TypeScript user (NodeNext ESM and CommonJS, and Bundler) against the declarations; wrong names do not', async () => {
    const subpathImports = Object.entries(SUBPATH_EXPORTS)
      .filter(([subpath]) => {
        const target = manifest.exports[subpath];
        return typeof target === 'object' && target.types !== undefined && inTarball(target.types);
      })
      .map(([subpath, name]) => `import { ${name} } from 'suno-callbacks${subpath.slice(1)}';\nvoid ${name};\n`)
      .join('');
    writeFileSync(
      join(consumer, 'typed.ts'),
      `import express from 'express';
import { sunoCallbacks, memoryStore, type SunoCallbacks, type VideoReadyEvent } from 'suno-callbacks';
${subpathImports}
// @ts-expect-error downloads live behind suno-callbacks/download, not on the main entry
import { downloadListener as notOnMain } from 'suno-callbacks';
void notOnMain;
// The Quick start's own line: the secret comes from an environment variable that may be unset.
sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET });
const suno: SunoCallbacks = sunoCallbacks({ secret: [process.env.NEW_KEY ?? 'a', 'b'], store: memoryStore() });
const app = express();
app.use(suno);
app.use('/hooks', suno);

suno.on('video-ready', (e) => e.videoUrl);
suno.on('video-ready', async (event: VideoReadyEvent) => {
  const url: string = event.videoUrl;
  const expires: Date = event.expiresAt;
  void url;
  void expires;
});
suno.on('failure', (event) => void event.reason.toUpperCase());

// @ts-expect-error an event name that does not exist
suno.on('video-redy', () => undefined);
// @ts-expect-error cover events carry images, not a videoUrl
suno.on('cover-ready', (event) => event.videoUrl);
// @ts-expect-error the video URL is a string
suno.on('video-ready', (event) => { const wrong: number = event.videoUrl; void wrong; });
// @ts-expect-error not an option
sunoCallbacks({ secret: 'a', tolerance: 10 });

export {};
`,
    );
    writeFileSync(
      join(consumer, 'typed-commonjs.cts'),
      `import { sunoCallbacks } from 'suno-callbacks';
const suno = sunoCallbacks({ secret: 'a' });
suno.on('video-ready', (e) => e.videoUrl);
// @ts-expect-error an event name that does not exist
suno.on('video-redy', () => undefined);
`,
    );
    const compilerOptions = {
      target: 'ES2022',
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      // Our own declarations are checked too, not taken on trust.
      skipLibCheck: false,
      types: ['node'],
      noEmit: true,
    };
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...compilerOptions, module: 'NodeNext', moduleResolution: 'NodeNext' },
        files: ['typed.ts', 'typed-commonjs.cts'],
      }),
    );
    // Apps built with a bundler (or tsx) resolve through the same `exports` map, under the `import` condition.
    writeFileSync(
      join(consumer, 'tsconfig.bundler.json'),
      JSON.stringify({
        compilerOptions: { ...compilerOptions, module: 'Preserve', moduleResolution: 'Bundler' },
        files: ['typed.ts'],
      }),
    );
    const tsc = join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsc');
    const [nodeNext, bundler] = await Promise.all(
      ['tsconfig.json', 'tsconfig.bundler.json'].map((project) =>
        run(tsc, ['-p', project], { cwd: consumer, timeoutMs: 120_000 }),
      ),
    );
    assertSucceeded('tsc (NodeNext) in the consumer project', nodeNext as RunResult);
    assertSucceeded('tsc (Bundler) in the consumer project', bundler as RunResult);
  }, 120_000);

  it('resolves every subpath\'s types under moduleResolution node (node10) through typesVersions', async () => {
    // Older TypeScript set-ups ignore `exports`: each subpath needs a typesVersions entry naming the same .d.ts.
    const subpaths = Object.entries(manifest.exports).filter(
      (entry): entry is [string, Record<string, string>] => typeof entry[1] === 'object' && entry[0] !== '.',
    );
    const mapped = manifest.typesVersions?.['*'] ?? {};
    expect(Object.fromEntries(subpaths.map(([subpath]) => [subpath, mapped[subpath.slice(2)]]))).toEqual(
      Object.fromEntries(subpaths.map(([subpath, target]) => [subpath, [target.types]])),
    );

    const imports = Object.entries(SUBPATH_EXPORTS)
      .filter(([subpath]) => {
        const target = manifest.exports[subpath];
        return typeof target === 'object' && target.types !== undefined && inTarball(target.types);
      })
      .map(([subpath, name]) => `import { ${name} } from 'suno-callbacks${subpath.slice(1)}';\nvoid ${name};\n`)
      .join('');
    writeFileSync(
      join(consumer, 'typed-node10.ts'),
      `import { sunoCallbacks } from 'suno-callbacks';
${imports}
const suno = sunoCallbacks({ secret: 'a' });
suno.on('video-ready', (e) => e.videoUrl);
// @ts-expect-error an event name that does not exist
suno.on('video-redy', () => undefined);
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.node10.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'CommonJS',
          moduleResolution: 'node',
          strict: true,
          esModuleInterop: true,
          skipLibCheck: true,
          types: ['node'],
          noEmit: true,
        },
        files: ['typed-node10.ts'],
      }),
    );
    const tsc = join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsc');
    assertSucceeded('tsc (moduleResolution node) in the consumer project', await run(tsc, ['-p', 'tsconfig.node10.json'], { cwd: consumer, timeoutMs: 120_000 }));
  }, 120_000);

  it('loads each built subpath export from ESM and CommonJS without ioredis, redis or pg installed', async () => {
    const built = Object.entries(SUBPATH_EXPORTS).filter(([subpath]) => {
      const target = manifest.exports[subpath];
      return typeof target === 'object' && target.default !== undefined && inTarball(target.default);
    });
    const pending = Object.keys(SUBPATH_EXPORTS).filter((subpath) => !built.some(([done]) => done === subpath));
    if (pending.length > 0) console.warn(`SKIPPED: subpath exports not built yet, not loaded: ${pending.join(', ')}`);
    if (built.length === 0) return;

    const specifiers = built.map(([subpath, name]) => [`suno-callbacks${subpath.slice(1)}`, name] as const);
    writeFileSync(
      join(consumer, 'subpaths.mjs'),
      `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const seen = {};
for (const [specifier, name] of ${JSON.stringify(specifiers)}) {
  seen[specifier] = [typeof (await import(specifier))[name], typeof require(specifier)[name]];
}
// The main entry stays small: the download feature is only reachable through its subpath.
seen.mainEntryDownloads = Object.keys(await import('suno-callbacks')).filter((name) => /download/i.test(name));
console.log(JSON.stringify(seen));
`,
    );
    const result = assertSucceeded(
      'loading the subpath exports',
      await run('node', ['subpaths.mjs'], { cwd: consumer, timeoutMs: FIFTEEN_SECONDS }),
    );
    const seen = JSON.parse(result.stdout) as Record<string, string[]>;
    expect(seen).toEqual({
      ...Object.fromEntries(specifiers.map(([specifier]) => [specifier, ['function', 'function']])),
      mainEntryDownloads: [],
    });
  });

  it('links the `suno-callbacks` bin when dist/cli.js is built', async () => {
    const target = manifest.bin?.['suno-callbacks'];
    expect(target).toBeDefined();
    if (!inTarball(target ?? '')) {
      if (BIN_PENDING) {
        console.warn(`SKIPPED: the bin target ${target} is not built yet.`);
        return;
      }
      throw new Error(`the bin target ${target} is missing from the tarball`);
    }
    expect(readFileSync(join(installedRoot, target ?? ''), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    const result = await run(join(consumer, 'node_modules', '.bin', 'suno-callbacks'), ['--help'], {
      cwd: consumer,
      timeoutMs: FIFTEEN_SECONDS,
    });
    assertSucceeded('npx suno-callbacks --help', result);
  });
});
