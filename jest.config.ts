import type { Config } from 'jest';
import { createDefaultEsmPreset } from 'ts-jest';

/**
 * The suite runs as native ES modules (the package is ESM, and p-retry is ESM-only), so nothing is transformed to
 * CommonJS and tests see the code exactly as users load it. ts-jest only strips types here (`isolatedModules`):
 * type checking is `tsc --noEmit`, run once by `npm test` before jest.
 */
const config: Config = {
  ...createDefaultEsmPreset({ tsconfig: 'tsconfig.json' }),
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  // Sources import './x.js' (NodeNext resolution); under jest those resolve to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30_000,
  // The second reporter only writes totals when $JEST_JSON_REPORT is set (.ci/run reads them).
  reporters: ['default', '<rootDir>/.ci/jest-summary-reporter.cjs'],
};

export default config;
