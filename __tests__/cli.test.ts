import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';
import { computeSignature } from '../lib/signature.js';
import { colorEnabled } from '../lib/cli/output.js';
import { fixtures } from '../lib/testing/builders.js';
import { signCallback } from '../lib/testing/sign.js';
import { memoryLogger, until } from './helpers/app.js';
import { FIXTURES_DIR, signatureVectors } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = `cli-test-${randomBytes(8).toString('hex')}`;
const vectors = signatureVectors;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without anything that would change the CLI's behaviour behind a test's back. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (extra.SUNO_WEBHOOK_SECRET === undefined) delete env.SUNO_WEBHOOK_SECRET;
  if (extra.NO_COLOR === undefined) delete env.NO_COLOR;
  return env;
}

/**
 * Runs a command to completion. Every run also proves two promises of the CLI: no secret it was given is ever printed,
 * and (stdout and stderr being pipes, not terminals) no ANSI colour code is written.
 */
async function exec(command: string, args: string[], options: { env?: Record<string, string>; secrets?: string[]; input?: string } = {}): Promise<Result> {
  const child = spawn(command, args, { cwd: ROOT, env: cleanEnv(options.env) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  const [code] = (await once(child, 'close')) as [number | null];
  for (const secret of [SECRET, ...(options.secrets ?? [])]) {
    expect(stdout).not.toContain(secret);
    expect(stderr).not.toContain(secret);
  }
  expect(stdout + stderr).not.toContain('\u001b[');
  return { code, stdout, stderr };
}

/**
 * Most runs use the CLI as users get it: lib/cli.ts compiled by tsc (in beforeAll) and run by plain node. That is
 * also three times faster than tsx per run; `fromSource` runs lib/cli.ts itself through tsx.
 */
function cli(args: string[], options: { env?: Record<string, string>; secrets?: string[]; input?: string } = {}): Promise<Result> {
  return exec(process.execPath, [built, ...args], options);
}

function fromSource(args: string[], options: { env?: Record<string, string>; secrets?: string[] } = {}): Promise<Result> {
  return exec(process.execPath, ['--import', 'tsx', 'lib/cli.ts', ...args], options);
}

const taskId = () => randomBytes(16).toString('hex');

let server: ChildProcessWithoutNullStreams;
let serverLog = '';
let serverErrors = '';
let url = '';
let tmp = '';
let built = '';
let buildOutput = '';
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/**
 * Compiles lib/cli.ts and what it imports with the package's build configuration (tsconfig.build.json), into a scratch
 * directory: the project's dist/ is left alone, and files of other modules under way do not matter.
 */
async function buildCli(): Promise<void> {
  const out = join(tmp, 'build');
  await writeFile(
    join(tmp, 'tsconfig.json'),
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.build.json'),
      compilerOptions: {
        rootDir: join(ROOT, 'lib'),
        outDir: join(out, 'dist'),
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        declaration: false,
        declarationMap: false,
        sourceMap: false,
      },
      files: [join(ROOT, 'lib', 'cli.ts')],
      include: [],
    }),
  );
  const build = await exec(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(tmp, 'tsconfig.json')]);
  buildOutput = build.stdout + build.stderr;
  if (build.code !== 0) throw new Error(`tsc failed:\n${buildOutput}`);
  // What the package root gives dist/cli.js: ESM, and the version it prints.
  await writeFile(join(out, 'package.json'), JSON.stringify({ type: 'module', version }));
  built = join(out, 'dist', 'cli.js');
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'suno-cli-test-'));
  const building = buildCli();
  building.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
  const port = await freePort();
  url = `http://127.0.0.1:${port}/suno/callback`;
  server = spawn(process.execPath, ['--import', 'tsx', 'examples/server.ts'], {
    cwd: ROOT,
    env: cleanEnv({ PORT: String(port), SUNO_WEBHOOK_SECRET: SECRET }),
  });
  server.stdout.setEncoding('utf8').on('data', (chunk: string) => (serverLog += chunk));
  server.stderr.setEncoding('utf8').on('data', (chunk: string) => (serverErrors += chunk));
  let exited = false;
  server.once('exit', () => (exited = true));
  await until(() => serverLog.includes('listening on') || exited, 25_000).catch(() => undefined);
  if (!serverLog.includes('listening on')) {
    throw new Error(`examples/server.ts did not start on port ${port}:\n${serverLog}\n${serverErrors}`);
  }
  await building;
}, 60_000);

afterAll(async () => {
  if (server !== undefined && server.exitCode === null && server.signalCode === null) {
    const exited = once(server, 'exit');
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  if (tmp !== '') await rm(tmp, { recursive: true, force: true });
});

/** Waits until every pattern matches the server's output written after `offset`. */
async function serverLogged(offset: number, patterns: RegExp[]): Promise<string> {
  await until(() => patterns.every((pattern) => pattern.test(serverLog.slice(offset))), 10_000).catch(() => undefined);
  const written = serverLog.slice(offset);
  for (const pattern of patterns) expect(written).toMatch(pattern);
  return written;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Family {
  name: string;
  args: string[];
  /** The per-kind path segment, for bodies that do not name their family. */
  path?: string;
  /** The first line the example server prints for the callback. */
  header: (id: string) => RegExp;
  /** The line its event listener prints. */
  line: RegExp;
}

const families: Family[] = [
  { name: 'music text', args: ['music', '--stage', 'text'], header: (id) => new RegExp(`^\\[music\\] text task=${id} code=200 `, 'm'), line: /^ {2}music-progress: 0 track\(s\) so far$/m },
  { name: 'music first (kie)', args: ['music', '--stage', 'first', '--dialect', 'kie'], header: (id) => new RegExp(`^\\[music\\] first task=${id} code=200 `, 'm'), line: /^ {2}music-progress: 1 track\(s\) so far$/m },
  { name: 'music complete', args: ['music'], header: (id) => new RegExp(`^\\[music\\] complete task=${id} code=200 `, 'm'), line: /^ {2}music-ready: https:\/\/\S+\.mp3, https:\/\/\S+\.mp3$/m },
  { name: 'music failure 531', args: ['music', '--fail', '531'], header: (id) => new RegExp(`^\\[music\\] error task=${id} code=531 `, 'm'), line: /^ {2}failure: Generation failed; credits were refunded$/m },
  { name: 'lyrics', args: ['lyrics'], header: (id) => new RegExp(`^\\[lyrics\\] complete task=${id} code=200 `, 'm'), line: /^ {2}lyrics-ready: Iron Man, Iron Man$/m },
  { name: 'lyrics (kie)', args: ['lyrics', '--dialect', 'kie'], header: (id) => new RegExp(`^\\[lyrics\\] complete task=${id} code=200 `, 'm'), line: /^ {2}lyrics-ready: Starry Night Dreams$/m },
  { name: 'lyrics failure (kie, per-kind path)', args: ['lyrics', '--fail', '400', '--dialect', 'kie'], path: 'lyrics', header: (id) => new RegExp(`^\\[lyrics\\] error task=${id} code=400 `, 'm'), line: /^ {2}failure: Invalid parameters/m },
  { name: 'cover', args: ['cover'], header: (id) => new RegExp(`^\\[cover\\] final task=${id} code=200 `, 'm'), line: /^ {2}cover-ready: https:\/\/\S+\.png, https:\/\/\S+\.png$/m },
  { name: 'cover failure', args: ['cover', '--fail', '501'], header: (id) => new RegExp(`^\\[cover\\] error task=${id} code=501 "Cover generation failed"`, 'm'), line: /^ {2}failure: Generation failed$/m },
  { name: 'cover with --data', args: ['cover', '--data', '{"images":["https://cdn.example.org/mine.png"]}'], header: (id) => new RegExp(`^\\[cover\\] final task=${id} code=200 `, 'm'), line: /^ {2}cover-ready: https:\/\/cdn\.example\.org\/mine\.png$/m },
  { name: 'wav', args: ['wav'], header: (id) => new RegExp(`^\\[wav\\] final task=${id} code=200 `, 'm'), line: /^ {2}wav-ready: https:\/\/\S+\.wav$/m },
  { name: 'stems separate_vocal', args: ['stems'], header: (id) => new RegExp(`^\\[stems\\] final task=${id} code=200 `, 'm'), line: /^ {2}stems-ready \(separate_vocal\): instrumental, vocal$/m },
  { name: 'stems split_stem (kie)', args: ['stems', '--mode', 'split_stem', '--dialect', 'kie'], header: (id) => new RegExp(`^\\[stems\\] final task=${id} code=200 `, 'm'), line: /^ {2}stems-ready \(split_stem\): backingVocals, bass, brass, drums, fx, guitar, keyboard, percussion, strings, synth, vocal, woodwinds$/m },
  { name: 'midi', args: ['midi'], header: (id) => new RegExp(`^\\[midi\\] final task=${id} code=200 `, 'm'), line: /^ {2}midi-ready: Drums, Electric Bass \(finger\)$/m },
  { name: 'midi failure (kie, per-kind path)', args: ['midi', '--fail', '500', '--dialect', 'kie'], path: 'midi', header: (id) => new RegExp(`^\\[midi\\] error task=${id} code=500 `, 'm'), line: /^ {2}failure: Provider server error$/m },
  { name: 'video', args: ['video'], header: (id) => new RegExp(`^\\[video\\] final task=${id} code=200 `, 'm'), line: /^ {2}video-ready: https:\/\/\S+\.mp4 \(expires \S+\)$/m },
  { name: 'video failure (kie)', args: ['video', '--fail', '500', '--dialect', 'kie'], header: (id) => new RegExp(`^\\[video\\] error task=${id} code=500 `, 'm'), line: /^ {2}failure: Provider server error$/m },
  { name: 'voice-phrase', args: ['voice-phrase'], header: (id) => new RegExp(`^\\[voice-phrase\\] final task=${id} code=200 `, 'm'), line: /^ {2}voice-phrase-ready: "Please record this validation phrase clearly\."$/m },
  { name: 'voice', args: ['voice'], header: (id) => new RegExp(`^\\[voice\\] final task=${id} code=200 `, 'm'), line: /^ {2}voice-ready: voice_[0-9a-f]{16}$/m },
  { name: 'recovery', args: ['recovery'], path: 'recovery', header: (id) => new RegExp(`^\\[recovery\\] final task=${id} code=200 `, 'm'), line: /^\[recovery\] final /m },
  { name: 'recovery failure', args: ['recovery', '--fail', '500'], header: (id) => new RegExp(`^\\[recovery\\] error task=${id} code=500 `, 'm'), line: /^ {2}failure: Provider server error \(\S+: no_audio_id_mappings\)$/m },
  { name: 'music (market)', args: ['music', '--dialect', 'market'], header: (id) => new RegExp(`^\\[music\\] complete task=${id} code=200 "Playground task completed successfully\\."`, 'm'), line: /^ {2}music-ready: https:\/\/\S+\.mp3, https:\/\/\S+\.mp3$/m },
  { name: 'music failure (market, music path)', args: ['music', '--dialect', 'market', '--fail', '500'], path: 'music', header: (id) => new RegExp(`^\\[music\\] error task=${id} code=501 `, 'm'), line: /^ {2}failure: Provider server error \(Internal server error\)$/m },
  { name: 'sounds (market)', args: ['music', '--dialect', 'market', '--model', 'sounds'], header: (id) => new RegExp(`^\\[music\\] complete task=${id} code=200 `, 'm'), line: /^ {2}music-ready: /m },
  { name: 'result (market)', args: ['result', '--model', 'ai-music-api/generate-persona'], header: (id) => new RegExp(`^\\[result\\] final task=${id} code=200 `, 'm'), line: /^\[result\] final /m },
  { name: 'voice failure', args: ['voice', '--fail', '400'], header: (id) => new RegExp(`^\\[voice\\] error task=${id} code=400 `, 'm'), line: /^ {2}failure: .+ \(Verification audio did not match the validation phrase\)$/m },
];

describe('suno-callbacks send, against examples/server.ts', () => {
  it.each(families.map((family) => [family.name, family] as const))('%s: answered 200 and logged as its event', async (_name, family) => {
    const id = taskId();
    const offset = serverLog.length;
    const target = family.path === undefined ? url : `${url}/${family.path}`;
    const result = await cli(['send', ...family.args, '--url', target, '--secret', SECRET, '--task-id', id]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`POST ${target}`);
    expect(result.stdout).toContain(`task=${id} signed`);
    expect(result.stdout).toMatch(/^#1 200 \{"status":"received"\} \(\d+ ms\)$/m);
    await serverLogged(offset, [family.header(id), family.line]);
  });

  it('takes the secret from $SUNO_WEBHOOK_SECRET when --secret is not given', async () => {
    const id = taskId();
    const offset = serverLog.length;
    const result = await cli(['send', 'wav', '--url', url, '--task-id', id], { env: { SUNO_WEBHOOK_SECRET: SECRET } });
    expect(result.code).toBe(0);
    await serverLogged(offset, [new RegExp(`^\\[wav\\] final task=${id} code=200 `, 'm')]);
  });

  it('a body that does not name its family, sent without the per-kind path, gets a note and arrives as "unknown"', async () => {
    const id = taskId();
    const offset = serverLog.length;
    const result = await cli(['send', 'lyrics', '--fail', '400', '--dialect', 'kie', '--url', url, '--secret', SECRET, '--task-id', id]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/note: .* per-kind path such as \/suno\/callback\/lyrics/);
    await serverLogged(offset, [new RegExp(`^\\[unknown\\] error task=${id} code=400 `, 'm')]);
  });

  it('a wrong secret: exit 1, the 401 answer printed with a hint, the secret itself never printed', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const offset = serverLog.length;
    const result = await cli(['send', 'cover', '--url', url, '--secret', wrong], { secrets: [wrong] });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^#1 401 \{"error":"invalid_signature".*\}/m);
    expect(result.stderr).toMatch(/hint: invalid_signature: the receiver has another secret/);
    await serverLogged(offset, [/^\[rejected\] 401 invalid_signature/m]);
  });

  it('unsigned: exit 1, answer 401 missing_signature, and a note that nothing signed it', async () => {
    const result = await cli(['send', 'cover', '--url', url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^#1 401 \{"error":"missing_signature"/m);
    expect(result.stderr).toMatch(/sending unsigned/);
  });

  it('--repeat sends the same body and task id again: one received, the rest duplicates', async () => {
    const id = taskId();
    const offset = serverLog.length;
    const result = await cli(['send', 'video', '--url', url, '--secret', SECRET, '--task-id', id, '--repeat', '3']);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^#\d 200 \{"status":"received"\}/gm)).toHaveLength(1);
    expect(result.stdout.match(/^#\d 200 \{"status":"duplicate"\}/gm)).toHaveLength(2);
    expect(result.stdout).toContain('3 deliveries: 3 accepted (1 received, 2 duplicate), 0 refused, 0 failed');
    const written = await serverLogged(offset, [
      new RegExp(`^\\[video\\] final task=${id} `, 'm'),
      new RegExp(`(^\\[duplicate\\] video:${id}:final$[\\s\\S]*){2}`, 'm'),
    ]);
    expect(written.match(new RegExp(`^\\[video\\] final task=${id} `, 'gm'))).toHaveLength(1);
  });

  it('--repeat with --concurrency delivers at the same time and is still processed once', async () => {
    const id = taskId();
    const offset = serverLog.length;
    const result = await cli(['send', 'music', '--stage', 'first', '--url', url, '--secret', SECRET, '--task-id', id, '--repeat', '4', '--concurrency', '4']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('4 deliveries: 4 accepted (1 received, 3 duplicate)');
    const written = await serverLogged(offset, [new RegExp(`(^\\[duplicate\\] music:${id}:first$[\\s\\S]*){3}`, 'm')]);
    expect(written.match(new RegExp(`^\\[music\\] first task=${id} `, 'gm'))).toHaveLength(1);
  });

  it('--token appends ?token= for receivers configured with a token, and never prints it', async () => {
    const token = `tok-${randomBytes(8).toString('hex')}`;
    const suno = sunoCallbacks({ token, logger: memoryLogger() });
    const received: string[] = [];
    suno.on('cover-ready', (event) => void received.push(event.taskId));
    const app = express().use(suno);
    const listener = app.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    try {
      const port = (listener.address() as { port: number }).port;
      const tokenUrl = `http://127.0.0.1:${port}/suno/callback`;
      const id = taskId();
      const good = await cli(['send', 'cover', '--url', tokenUrl, '--token', token, '--task-id', id], { secrets: [token] });
      expect(good.code).toBe(0);
      expect(good.stdout).toContain(`POST ${tokenUrl}?token=***`);
      await until(() => received.includes(id));
      const bad = await cli(['send', 'cover', '--url', tokenUrl, '--token', 'not-the-token'], { secrets: ['not-the-token'] });
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/^#1 401 \{"error":"invalid_token"/m);
    } finally {
      listener.close();
      await suno.close();
    }
  });

  it('a receiver that does not answer: exit 1 and the network error printed', async () => {
    const closed = await freePort();
    const result = await cli(['send', 'cover', '--url', `http://127.0.0.1:${closed}/suno/callback`, '--secret', SECRET]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^#1 failed ECONNREFUSED/m);
  });

  it('a receiver that answers too late, or redirects: exit 1, each shown for what it is', async () => {
    const held: ServerResponse[] = [];
    const other = createHttpServer((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(307, { Location: 'https://elsewhere.example/suno/callback' }).end();
      } else {
        held.push(res);
      }
    });
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    try {
      const base = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
      const slow = await cli(['send', 'wav', '--url', `${base}/slow`, '--secret', SECRET, '--timeout', '1']);
      expect(slow.code).toBe(1);
      expect(slow.stdout).toMatch(/^#1 failed no answer within 1 s/m);
      const moved = await cli(['send', 'wav', '--url', `${base}/moved`, '--secret', SECRET]);
      expect(moved.code).toBe(1);
      expect(moved.stdout).toMatch(/^#1 307 redirect to https:\/\/elsewhere\.example\/suno\/callback \(not followed\)/m);
    } finally {
      for (const res of held) res.destroy();
      other.closeAllConnections();
      other.close();
    }
  });

  it('--dry-run prints the body as JSON and sends nothing', async () => {
    const id = taskId();
    const result = await cli(['send', 'stems', '--mode', 'split_stem', '--task-id', id, '--dry-run']);
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as ReturnType<typeof fixtures.stems>;
    expect(body.data.task_id).toBe(id);
    expect(Object.keys(body.data.vocal_removal_info ?? {})).toHaveLength(13);
  });
});

describe('usage errors exit 2 and point to the help', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no command', [], /a command is required/],
    ['an unknown command, with a suggestion', ['sned'], /unknown command "sned" \(did you mean "send"\?\)/],
    ['send without a kind', ['send', '--url', 'http://127.0.0.1:9/x'], /send needs a kind/],
    ['an unknown kind, with a suggestion', ['send', 'covr', '--url', 'http://127.0.0.1:9/x'], /unknown kind "covr" \(did you mean "cover"\?\)/],
    ['send without --url', ['send', 'cover'], /--url <callback url> is required/],
    ['a relative --url', ['send', 'cover', '--url', 'localhost/suno'], /absolute URL/],
    ['--url without a value', ['send', 'cover', '--url'], /--url needs a value/],
    ['--stage on a family without stages', ['send', 'cover', '--url', 'http://127.0.0.1:9/x', '--stage', 'first'], /--stage applies to music only/],
    ['an unknown --stage', ['send', 'music', '--url', 'http://127.0.0.1:9/x', '--stage', 'last'], /--stage must be one of text, first, complete/],
    ['--mode on a family without modes', ['send', 'wav', '--url', 'http://127.0.0.1:9/x', '--mode', 'split_stem'], /--mode applies to stems only/],
    ['a --fail that is not a code', ['send', 'cover', '--url', 'http://127.0.0.1:9/x', '--fail', 'abc'], /--fail must be a whole number from 100 to 999; got "abc"/],
    ['--fail 200', ['send', 'cover', '--url', 'http://127.0.0.1:9/x', '--fail', '200'], /--fail needs a code other than 200/],
    ['--repeat 0', ['send', 'cover', '--url', 'http://127.0.0.1:9/x', '--repeat', '0'], /--repeat must be a whole number from 1/],
    ['an unknown --dialect, with a suggestion', ['send', 'cover', '--url', 'http://127.0.0.1:9/x', '--dialect', 'sunoap'], /--dialect must be one of sunoapi, kie, market; got "sunoap" \(did you mean "sunoapi"\?\)/],
    ['--data that is not an object', ['send', 'cover', '--url', 'http://127.0.0.1:9/x', '--data', '[1]'], /--data must be a JSON object/],
    ['a mistyped option, without echoing the secret after it', ['send', 'cover', '--url', 'http://127.0.0.1:9/x', '--secrett', SECRET], /unknown option --secrett \(did you mean "--secret"\?\)/],
    ['sign without a secret', ['sign', '--task-id', 'abc'], /--secret is required \(or set SUNO_WEBHOOK_SECRET\)/],
    ['sign without a task id', ['sign', '--secret', SECRET], /exactly one of --task-id and --body/],
    ['sign with a bad --timestamp', ['sign', '--secret', SECRET, '--task-id', 'abc', '--timestamp', 'soon'], /--timestamp must be a whole number/],
    ['sign with an unknown --format', ['sign', '--secret', SECRET, '--task-id', 'abc', '--format', 'xml'], /--format must be one of curl, http, json/],
    ['sign with a stray argument', ['sign', SECRET, '--task-id', 'abc'], /sign takes no positional arguments/],
    ['verify without --headers', ['verify', '--secret', SECRET, '--body', 'body.json'], /--headers <file> is required/],
    ['verify with a missing file', ['verify', '--secret', SECRET, '--headers', '/nonexistent/headers.txt', '--body', '/nonexistent/body.json'], /--headers \/nonexistent\/headers\.txt: no such file/],
    ['help for an unknown command', ['help', 'sing'], /no help for "sing" \(did you mean "sign"\?\)/],
  ];

  it.each(cases)('%s', async (_name, args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Run 'suno-callbacks (send |sign |verify )?--help' for usage\./);
  });
});

describe('help and version', () => {
  it('--help lists the commands and the exit codes; exit 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const word of ['send <kind>', 'sign', 'verify', 'SUNO_WEBHOOK_SECRET', 'Exit codes: 0 success, 1 refused or not authentic, 2 usage error']) {
      expect(result.stdout).toContain(word);
    }
  });

  it.each([
    [['send', '--help'], ['--repeat <n>', '--concurrency <n>', '--fail <code>', '--dialect <dialect>', 'Kinds: music, lyrics']],
    [['sign', '-h'], ['--format <format>', "-H 'Name: value'", 'curl -X POST']],
    [['help', 'verify'], ['--tolerance <seconds>', '--now <seconds>', 'Exit codes: 0 authentic']],
    // Help wins over any mistake on the same line.
    [['send', 'covr', '--bogus', '--help'], ['Usage: suno-callbacks send']],
  ] as Array<[string[], string[]]>)('%j prints that command\'s help; exit 0', async (args, words) => {
    const result = await cli(args);
    expect(result.code).toBe(0);
    for (const word of words) expect(result.stdout).toContain(word);
  });

  it('--version prints the package version', async () => {
    const result = await cli(['--version']);
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('colours only a terminal, and never with NO_COLOR set', () => {
    expect(colorEnabled({ write: () => true, isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ write: () => true, isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ write: () => true, isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ write: () => true, isTTY: false }, {})).toBe(false);
    expect(colorEnabled({ write: () => true }, {})).toBe(false);
  });
});

describe('suno-callbacks sign', () => {
  it.each(vectors.map((vector) => [vector.taskId, vector] as const))('reproduces the signature vector for %s, ready for curl', async (_id, vector) => {
    const args = ['sign', '--secret', vector.secret, '--task-id', vector.taskId, '--timestamp', String(vector.timestamp)];
    const curl = await cli(args, { secrets: [vector.secret] });
    expect(curl.code).toBe(0);
    expect(curl.stdout).toBe(
      `-H 'X-Webhook-Timestamp: ${vector.headers['X-Webhook-Timestamp']}' \\\n` +
        `-H 'X-Webhook-Signature: ${vector.headers['X-Webhook-Signature']}' \\\n`,
    );
    const json = await cli([...args, '--format', 'json'], { secrets: [vector.secret] });
    expect(JSON.parse(json.stdout)).toEqual(vector.headers);
    const http = await cli([...args, '--format', 'http'], { secrets: [vector.secret] });
    expect(http.stdout).toBe(
      `X-Webhook-Timestamp: ${vector.headers['X-Webhook-Timestamp']}\nX-Webhook-Signature: ${vector.headers['X-Webhook-Signature']}\n`,
    );
  });

  it('--body takes the task id from a body file as the receiver does, and - reads standard input', async () => {
    const [vector] = vectors;
    if (vector === undefined) throw new Error('no vectors');
    const common = ['sign', '--secret', vector.secret, '--timestamp', String(vector.timestamp), '--format', 'json'];
    const fromFile = await cli([...common, '--body', join(FIXTURES_DIR, 'cover.success.json')], { secrets: [vector.secret] });
    expect(JSON.parse(fromFile.stdout)).toEqual(vector.headers);
    const body = JSON.stringify(fixtures.video({ taskId: vector.taskId }));
    const fromStdin = await cli([...common, '--body', '-'], { secrets: [vector.secret], input: body });
    expect(JSON.parse(fromStdin.stdout)).toEqual(vector.headers);
  });
});

describe('suno-callbacks verify', () => {
  const T = 1_760_000_000;
  const secret = `verify-${randomBytes(6).toString('hex')}`;
  let n = 0;

  async function files(headers: string, body: unknown): Promise<[string, string]> {
    n += 1;
    const headersPath = join(tmp, `headers-${n}.txt`);
    const bodyPath = join(tmp, `body-${n}.json`);
    await writeFile(headersPath, headers);
    await writeFile(bodyPath, typeof body === 'string' ? body : JSON.stringify(body));
    return [headersPath, bodyPath];
  }

  async function verify(headers: string, body: unknown, extra: string[] = [], secrets = [secret]): Promise<Result> {
    const [headersPath, bodyPath] = await files(headers, body);
    const args = ['verify', ...secrets.flatMap((value) => ['--secret', value]), '--headers', headersPath, '--body', bodyPath, ...extra];
    return cli(args, { secrets });
  }

  const body = fixtures.video({ taskId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' });
  const good = JSON.stringify(signCallback(body, { secret, timestamp: T }));

  it('a genuine capture (JSON headers): authentic, exit 0, with the field the task id came from', async () => {
    const result = await verify(good, body, ['--now', String(T + 12)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^authentic$/m);
    expect(result.stdout).toContain('a1b2c3d4e5f60718293a4b5c6d7e8f90 (from data.task_id');
    expect(result.stdout).toContain('12 s old: within the 300 s tolerance');
  });

  it('reads raw HTTP captures and the curl lines `sign` prints', async () => {
    const headers = signCallback(body, { secret, timestamp: T });
    const raw = [
      'POST /suno/callback HTTP/1.1',
      'Host: example.com',
      'Content-Type: application/json',
      `x-webhook-timestamp: ${headers['X-Webhook-Timestamp']}`,
      `X-Webhook-Signature: ${headers['X-Webhook-Signature']}`,
      '',
      JSON.stringify(body),
    ].join('\r\n');
    expect((await verify(raw, body, ['--now', String(T)])).code).toBe(0);
    const printed = await cli(['sign', '--secret', secret, '--body', '-', '--timestamp', String(T)], { secrets: [secret], input: JSON.stringify(body) });
    const roundTrip = await verify(printed.stdout, body, ['--now', String(T)]);
    expect(roundTrip.code).toBe(0);
  });

  it('stale: says by how much, that the signature itself is genuine, and what the receiver answers', async () => {
    const result = await verify(good, body, ['--now', String(T + 3600)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^NOT authentic$/m);
    expect(result.stdout).toContain('is stale: 3600 s in the past, 3300 s beyond the 300 s tolerance');
    expect(result.stdout).toContain('genuine, only its time is refused');
    expect(result.stdout).toContain('401 stale_timestamp');
  });

  it('future: says how far ahead; --tolerance widens the window', async () => {
    const result = await verify(good, body, ['--now', String(T - 900)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('is in the future: 900 s ahead, 600 s beyond the 300 s tolerance');
    const widened = await verify(good, body, ['--now', String(T - 900), '--tolerance', '900']);
    expect(widened.code).toBe(0);
  });

  it('a wrong secret: says so, exit 1; with several secrets, names the one that matched', async () => {
    const other = `other-${randomBytes(6).toString('hex')}`;
    const wrong = await verify(good, body, ['--now', String(T)], [other]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('wrong secret');
    expect(wrong.stdout).toContain('401 invalid_signature');
    const rotated = await verify(good, body, ['--now', String(T)], [other, secret]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('secret #2 of 2');
  });

  it.each([
    ['data.taskId', { code: 200, msg: 'ok', data: { task_id: 'receiver-id', taskId: 'signed-id', video_url: 'https://x.test/v.mp4' } }],
    ['taskId', { code: 200, msg: 'ok', taskId: 'signed-id', data: { task_id: 'receiver-id', video_url: 'https://x.test/v.mp4' } }],
    ['task_id', { code: 200, msg: 'ok', task_id: 'signed-id', data: { task_id: 'receiver-id', video_url: 'https://x.test/v.mp4' } }],
  ])('a signature over the task id in %s, not the one the receiver uses, is named', async (field, drifted) => {
    const headers = JSON.stringify({
      'X-Webhook-Timestamp': String(T),
      'X-Webhook-Signature': computeSignature(secret, 'signed-id', T),
    });
    const result = await verify(headers, drifted, ['--now', String(T)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`was computed over task id signed-id (from ${field})`);
    expect(result.stdout).toContain('checks it against receiver-id (from data.task_id)');
  });

  it('a missing header, a body that is not JSON, and a hex signature are each named', async () => {
    const onlyTimestamp = await verify(`X-Webhook-Timestamp: ${T}\n`, body, ['--now', String(T)]);
    expect(onlyTimestamp.code).toBe(1);
    expect(onlyTimestamp.stdout).toContain('missing X-Webhook-Signature');
    expect(onlyTimestamp.stdout).toContain('401 missing_signature');
    const notJson = await verify(good, '{"code": 200,', ['--now', String(T)]);
    expect(notJson.code).toBe(1);
    expect(notJson.stdout).toContain('400 invalid_json');
    const hex = Buffer.from(computeSignature(secret, 'a1b2c3d4e5f60718293a4b5c6d7e8f90', T), 'base64').toString('hex');
    const hexHeaders = JSON.stringify({ 'X-Webhook-Timestamp': T, 'X-Webhook-Signature': hex });
    const hexResult = await verify(hexHeaders, body, ['--now', String(T)]);
    expect(hexResult.code).toBe(1);
    expect(hexResult.stdout).toContain('hex-encoded');
  });

  it('a Market body: the task id comes from data.taskId, and the model is named', async () => {
    const market = fixtures.music({ dialect: 'market', taskId: 'feedc0de' });
    const headers = JSON.stringify(signCallback(market, { secret, timestamp: T }));
    const result = await verify(headers, market, ['--now', String(T)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('feedc0de (from data.taskId, the field the receiver uses)');
    expect(result.stdout).toContain('model ai-music-api/generate');
  });

  it('a body that is not JSON but carries its task id is judged like the receiver does: authentic, then unrecognized', async () => {
    const text = '{"code":200,"data":{"task_id":"a1b2c3d4e5f60718293a4b5c6d7e8f90","video_url":,}}';
    const result = await verify(good, text, ['--now', String(T)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('from the raw text');
    expect(result.stdout).toContain('unrecognized');
  });
});

describe('the files users run', () => {
  it('dist/cli.js: tsc keeps the shebang, and the file runs as an executable without tsx', async () => {
    expect(buildOutput).toBe('');
    expect((await readFile(built, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
    await chmod(built, 0o755);
    const [vector] = vectors;
    if (vector === undefined) throw new Error('no vectors');
    const args = ['sign', '--secret', vector.secret, '--task-id', vector.taskId, '--timestamp', String(vector.timestamp), '--format', 'json'];
    const direct = await exec(built, args, { secrets: [vector.secret] });
    expect(direct.code).toBe(0);
    expect(JSON.parse(direct.stdout)).toEqual(vector.headers);
  });

  it('lib/cli.ts runs from source through tsx: --version, and a send the example server logs', async () => {
    expect(await fromSource(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const id = taskId();
    const offset = serverLog.length;
    const sent = await fromSource(['send', 'cover', '--url', url, '--secret', SECRET, '--task-id', id]);
    expect(sent.code).toBe(0);
    await serverLogged(offset, [new RegExp(`^\\[cover\\] final task=${escape(id)} code=200 `, 'm'), /^ {2}cover-ready: https:\/\//m]);
  });
});
