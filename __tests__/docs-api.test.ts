/**
 * `npm run docs` (TypeDoc, warnings as errors) must keep building, with one entry point per export of the package:
 * a subpath added to package.json without its entry point, or a public type that refers to an unexported one, fails.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT, assertSucceeded, run } from './helpers/pack.js';

const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string }>;
};
const typedoc = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };

describe('API reference (TypeDoc)', () => {
  it('has one entry point per export of package.json', () => {
    const sources = Object.values(manifest.exports)
      .filter((target): target is { types: string } => typeof target === 'object')
      .map((target) => target.types.replace(/^\.\/dist\//, 'lib/').replace(/\.d\.ts$/, '.ts'));
    expect([...typedoc.entryPoints].sort()).toEqual(sources.sort());
  });

  it('builds without a warning', async () => {
    const result = await run(join(PACKAGE_ROOT, 'node_modules', '.bin', 'typedoc'), ['--emit', 'none'], {
      cwd: PACKAGE_ROOT,
      timeoutMs: 120_000,
    });
    assertSucceeded('typedoc --emit none', result);
    expect(result.stdout + result.stderr).not.toMatch(/\[warning\]/);
  }, 120_000);
});
