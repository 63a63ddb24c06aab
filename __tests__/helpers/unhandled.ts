import { runInThisContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';

/**
 * Fails the test file if any promise rejection goes unhandled. Jest hands each test file its own copy of `process`,
 * on which 'unhandledRejection' never fires, so the listener goes on the real process of the worker.
 */
export function failOnUnhandledRejections(): { hostProcess: NodeJS.Process; onUnhandled: (reason: unknown) => void } {
  const hostProcess = runInThisContext('process') as NodeJS.Process;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeAll(() => {
    hostProcess.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    expect(unhandled).toStrictEqual([]);
  });
  afterAll(() => {
    hostProcess.off('unhandledRejection', onUnhandled);
  });
  return { hostProcess, onUnhandled };
}
