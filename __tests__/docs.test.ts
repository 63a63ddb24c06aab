/**
 * Every code block of README.md and docs/*.md runs somewhere:
 * - a ```ts or ```js block must appear, line for line (indentation and blank lines aside), in a file under examples/,
 *   which examples.test.ts (or the test of that example) starts and sends callbacks to; a page whose blocks a test of
 *   its own runs is named in OWN_TEST, and that test must exist;
 * - a ```sh block's `npm run cli -- …` / `npx suno-callbacks …` lines are run, in order, through the real CLI
 *   (`runCli`) against a real receiver, with `> file` written to a temp dir: none may be a usage error (exit 2);
 *   `failed`, `replay` and `poll` (a queue, the provider) are not run: each flag must be one their help lists;
 * - every relative link resolves to a file (and a `#anchor` to a heading of that file).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import express from 'express';
import { runCli } from '../lib/cli/main.js';
import { sunoCallbacks } from '../lib/index.js';
import { PACKAGE_ROOT } from './helpers/pack.js';

const SECRET = 'docs-test-secret';

/**
 * Pages whose blocks are still sketches (identifiers the block does not define, a `return` outside a function), owned
 * by another branch: a block of theirs not found in examples/ is listed as a todo in every run instead of failing, and
 * an entry whose blocks are all found fails, so the list only shrinks.
 */
const PENDING: Record<string, string> = {};

/** Pages whose code blocks a dedicated test runs as written (rather than finding them in examples/). */
const OWN_TEST: Record<string, string> = {
  'docs/telemetry.md': '__tests__/docs-telemetry.test.ts',
};

const pages = ['README.md', ...readdirSync(join(PACKAGE_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

function read(page: string): string {
  return readFileSync(join(PACKAGE_ROOT, page), 'utf8');
}

function blocks(page: string, languages: readonly string[]): string[] {
  const found: string[] = [];
  for (const match of read(page).matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)) {
    if (languages.includes(match[1] ?? '')) found.push(match[2] ?? '');
  }
  return found;
}

const lines = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|js|mjs|cjs)$/.test(name) ? [path] : [];
  });
}

/** Source file of each export of package.json (`./dist/stores/redis.js` -> `lib/stores/redis.ts`) -> its import name. */
const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | { default: string }>;
};
const importNames = new Map(
  Object.entries(manifest.exports)
    .filter((entry): entry is [string, { default: string }] => typeof entry[1] === 'object')
    .map(([subpath, target]) => [
      target.default.replace(/^\.\/dist\//, 'lib/').replace(/\.js$/, '.ts'),
      manifest.name + subpath.slice(1),
    ]),
);

/** Examples import the source tree (`../lib/index.js`); the docs show the package (`suno-callbacks`). */
function asPublished(path: string, source: string): string {
  return source.replace(/from '(\.{1,2}\/[^']+)'/g, (whole, specifier: string) => {
    const target = relative(PACKAGE_ROOT, join(dirname(path), specifier)).replace(/\.js$/, '.ts');
    const name = importNames.get(target);
    return name === undefined ? whole : `from '${name}'`;
  });
}

const examples = filesUnder(join(PACKAGE_ROOT, 'examples')).map((path) => ({
  name: relative(PACKAGE_ROOT, path),
  source: lines(asPublished(path, readFileSync(path, 'utf8'))),
}));

const codeCases = pages
  .filter((page) => OWN_TEST[page] === undefined)
  .flatMap((page) => blocks(page, ['ts', 'js', 'typescript', 'javascript']).map((block, index) => ({ page, index: index + 1, block })));

describe('code blocks of the README and docs/', () => {
  it('keeps the README at most 15,000 bytes (the rest belongs in docs/)', () => {
    expect(Buffer.byteLength(read('README.md'))).toBeLessThanOrEqual(15_000);
  });

  it('finds pages and blocks to check', () => {
    expect(pages).toContain('README.md');
    expect(codeCases.filter((c) => c.page === 'README.md').length).toBeGreaterThan(0);
  });

  const found = (block: string): boolean => examples.some((example) => example.source.includes(lines(block)));
  const checked = codeCases.filter((c) => PENDING[c.page] === undefined || found(c.block));
  for (const c of codeCases.filter((c) => !checked.includes(c))) {
    it.todo(`${c.page}, ts/js block ${c.index}: not in examples/ yet (${PENDING[c.page]})`);
  }

  it.each(checked.map((c) => [c.page, c.index, c.block] as const))('%s, ts/js block %i, is in a file under examples/', (_page, _index, block) => {
    if (!found(block)) throw new Error(`no file under examples/ contains this block:\n${block}`);
    expect(found(block)).toBe(true);
  });

  it('lists as pending only pages that still have a block outside examples/', () => {
    const stillPending = Object.keys(PENDING).filter((page) => codeCases.some((c) => c.page === page && !found(c.block)));
    expect(Object.keys(PENDING).filter((page) => pages.includes(page))).toEqual(stillPending);
  });

  it('pages with a test of their own name an existing test that reads them', () => {
    for (const [page, test] of Object.entries(OWN_TEST).filter(([name]) => pages.includes(name))) {
      expect(existsSync(join(PACKAGE_ROOT, test))).toBe(true);
      expect(readFileSync(join(PACKAGE_ROOT, test), 'utf8')).toContain(page.replace('docs/', ''));
    }
  });
});

/** Splits one shell line into words: single and double quotes, no expansion (`"$X"` stays the literal text). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const match of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(match[1] ?? match[2] ?? match[3] ?? '');
  return out;
}

/** The CLI arguments of a documented command line, or undefined when the line is not a CLI call. */
function cliArgs(line: string): { args: string[]; redirect: string | undefined } | undefined {
  const text = line.replace(/\s+#\s.*$/, '').trim();
  const prefix = /^(?:npm run cli --|npx suno-callbacks|suno-callbacks)\s+/.exec(text);
  if (prefix === null) return undefined;
  const [command, redirect] = text.slice(prefix[0].length).split(/\s+>\s+/);
  return { args: words(command ?? ''), redirect: redirect?.trim() };
}

/** Commands that read a queue or call the provider: checked against their help, not run. */
const TALKS_TO_SERVICES = ['failed', 'replay', 'poll'];

const shellCases = pages.flatMap((page) =>
  blocks(page, ['sh', 'bash', 'shell'])
    .map((block, index) => ({ page, index: index + 1, block }))
    .filter((c) => c.block.split('\n').some((line) => cliArgs(line) !== undefined)),
);

describe('CLI command lines of the README and docs/', () => {
  let server: Server;
  let base = '';
  let dir = '';

  beforeAll(async () => {
    const suno = sunoCallbacks({ secret: SECRET, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const app = express();
    app.use(suno);
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    dir = mkdtempSync(join(tmpdir(), 'suno-docs-cli-'));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds CLI lines in the README', () => {
    expect(shellCases.some((c) => c.page === 'README.md')).toBe(true);
  });

  it.each(shellCases.map((c) => [c.page, c.index, c.block] as const))('%s, sh block %i: every CLI line parses and runs', async (_page, _index, block) => {
    const written = new Set<string>();
    const run = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(args, {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        env: { SUNO_WEBHOOK_SECRET: SECRET, NO_COLOR: '1' },
        version: '0.0.0-docs',
      });
      return { code, stdout, stderr };
    };
    for (const line of block.split('\n')) {
      const call = cliArgs(line);
      if (call === undefined) continue;
      const [command = ''] = call.args;
      if (TALKS_TO_SERVICES.includes(command)) {
        // Not run (it would touch a shared queue or the provider): the command must exist and know every flag.
        const help = await run([command, '--help']);
        expect(help.code).toBe(0);
        for (const flag of call.args.filter((arg) => arg.startsWith('--'))) {
          if (!new RegExp(`(^|\\s)${flag}(\\s|$)`, 'm').test(help.stdout)) throw new Error(`${command} has no ${flag}: ${line.trim()}`);
        }
        continue;
      }
      // Files the line reads but the block does not write stand for a capture of the user's: make a genuine one.
      const fileOf = (flag: string): string | undefined => {
        const at = call.args.indexOf(flag);
        const file = at === -1 ? undefined : call.args[at + 1];
        return file === undefined || file === '-' || written.has(file) ? undefined : file;
      };
      const body = fileOf('--body');
      if (body !== undefined) {
        writeFileSync(join(dir, body), (await run(['send', 'music', '--dialect', 'market', '--dry-run'])).stdout);
        written.add(body);
      }
      const headers = fileOf('--headers');
      if (headers !== undefined) {
        const signed = await run(['sign', '--body', join(dir, body ?? 'body.json'), '--format', 'http']);
        writeFileSync(join(dir, headers), signed.stdout);
        written.add(headers);
      }
      const args = call.args.map((arg) =>
        written.has(arg) ? join(dir, arg) : arg.replace(/^http:\/\/localhost:3000/, base).replace('$SUNO_WEBHOOK_SECRET', SECRET),
      );
      const { code, stdout, stderr } = await run(args);
      // 2 is a usage error: a flag, kind or value the CLI does not know. 1 (refused, not authentic) may be the point.
      if (code === 2) throw new Error(`usage error for: ${line.trim()}\n${stderr}`);
      expect([0, 1]).toContain(code);
      if (call.redirect !== undefined) {
        writeFileSync(join(dir, call.redirect), stdout);
        written.add(call.redirect);
      }
    }
  }, 30_000);
});

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(page: string): Set<string> {
  const text = read(page).replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchor(match[1] ?? '')));
}

const linkCases = pages.flatMap((page) => {
  const text = read(page).replace(/^```[\s\S]*?^```/gm, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z]+:/i.test(target))
    .map((target) => ({ page, target }));
});

describe('relative links of the README and docs/', () => {
  it.each(linkCases.map((c) => [c.page, c.target] as const))('%s -> %s resolves', (page, target) => {
    const [path = '', hash] = target.split('#');
    const file = path === '' ? page : relative(PACKAGE_ROOT, join(PACKAGE_ROOT, dirname(page), path));
    expect(existsSync(join(PACKAGE_ROOT, file))).toBe(true);
    if (hash !== undefined && hash !== '' && file.endsWith('.md')) expect([...anchorsOf(file)]).toContain(hash);
  });
});
