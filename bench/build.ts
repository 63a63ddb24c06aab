/**
 * The servers under test run as JavaScript compiled by tsc, the way users run the published package: under tsx every
 * closure created per request would pay for esbuild's `__name()` helper, which the library's code does not carry in
 * dist/ and Express's code never does. The output goes to node_modules/.cache (so `node_modules` resolves, and git
 * ignores it); the load generator itself still runs under tsx.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The compiled entry points; tsc follows their imports into lib/. */
const ENTRIES = ['bench/server.ts', 'bench/memory.ts', 'bench/midi.ts'];

/** Where the compiled copy of the checkout at `root` lives. */
export function buildDir(root: string = PROJECT_ROOT): string {
  const tag = `${basename(root)}-${createHash('sha1').update(resolve(root)).digest('hex').slice(0, 8)}`;
  return join(PROJECT_ROOT, 'node_modules', '.cache', 'suno-callbacks-bench', tag);
}

/** The compiled path of a source file of the checkout at `root` (`bench/server.ts` -> `.../bench/server.js`). */
export function compiled(source: string, root: string = PROJECT_ROOT): string {
  return join(buildDir(root), source.replace(/\.ts$/, '.js'));
}

/**
 * Compiles the checkout at `root` (emit only: `npm run typecheck` is the type check) and resolves with the output
 * directory.
 */
export async function buildForBench(root: string = PROJECT_ROOT): Promise<string> {
  const out = buildDir(root);
  mkdirSync(out, { recursive: true });
  // node_modules is a package boundary for Node's ESM resolver: say here that these files are modules.
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    tsc,
    ...ENTRIES.map((entry) => join(root, entry)),
    '--outDir', out,
    '--rootDir', root,
    '--module', 'NodeNext',
    '--moduleResolution', 'NodeNext',
    '--target', 'ES2022',
    '--esModuleInterop',
    '--skipLibCheck',
    '--noCheck',
    '--types', 'node',
  ];
  await new Promise<void>((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', fail);
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`tsc exited with code ${String(code)} building ${root}`))));
  });
  // bodies.js reads the fixtures relative to itself, as bodies.ts does.
  const fixtures = join(out, '__tests__', 'fixtures');
  if (!existsSync(fixtures)) {
    // A dangling link (the checkout moved) is replaced.
    rmSync(fixtures, { force: true });
    mkdirSync(dirname(fixtures), { recursive: true });
    symlinkSync(join(resolve(root), '__tests__', 'fixtures'), fixtures, 'dir');
  }
  return out;
}
