/**
 * docs/frameworks.md shows excerpts of runnable examples: every ```ts block must be found, line for line, in the
 * example file the section names, so the page cannot drift from code that its tests run.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './helpers/pack.js';

const page = readFileSync(join(PACKAGE_ROOT, 'docs', 'frameworks.md'), 'utf8');

/** The ```ts blocks of each `## ` section, with the example file the section links to. */
function sections(): Array<{ title: string; example: string | undefined; blocks: string[] }> {
  return page
    .split(/^## /m)
    .slice(1)
    .map((section) => ({
      title: section.split('\n', 1)[0] ?? '',
      example: /\]\(\.\.\/(examples\/[\w.-]+\.ts)\)/.exec(section)?.[1],
      blocks: [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? ''),
    }));
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

describe('docs/frameworks.md', () => {
  it('has sections for NestJS, serverless-http and jest in CommonJS projects', () => {
    expect(sections().map((section) => section.title)).toEqual([
      'NestJS',
      'serverless-http (AWS Lambda, API Gateway)',
      'jest in a CommonJS project',
    ]);
  });

  it.each(sections().filter((section) => section.blocks.length > 0))('$title: every code block is in $example', ({ example, blocks }) => {
    expect(example).toBeDefined();
    const source = lines(readFileSync(join(PACKAGE_ROOT, example ?? ''), 'utf8')).join('\n');
    for (const block of blocks) expect(source).toContain(lines(block).join('\n'));
  });
});
