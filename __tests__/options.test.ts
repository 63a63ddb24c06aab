import { describe, expect, it } from '@jest/globals';
import { sunoCallbacks, type SunoCallbacksOptions } from '../lib/index.js';

function create(options: Record<string, unknown>) {
  return () => sunoCallbacks(options as SunoCallbacksOptions);
}

describe('options are validated once, in the factory', () => {
  it('refuses to start without a way to authenticate, and says how to fix it', () => {
    expect(create({})).toThrow(TypeError);
    expect(create({})).toThrow(/`secret`.*`token`.*`allowUnsigned: true`/s);
    expect(() => sunoCallbacks()).toThrow(TypeError);
  });

  it.each([
    [{ secret: 's', tolerance: 10 }, /Unknown option `tolerance`\. Did you mean `toleranceSeconds`\?/],
    [{ secret: 's', maxBodySize: 10 }, /Unknown option `maxBodySize`\. Did you mean `maxBodyBytes`\?/],
    [{ secret: 's', secrets: ['a'] }, /Unknown option `secrets`\. Did you mean `secret`\?/],
    [{ secret: 's', dedupeTTLSeconds: 5 }, /Did you mean `dedupeTtlSeconds`\?/],
    [{ secret: 's', retry: { retry: 3 } }, /^Unknown option `retry\.retry`\. Did you mean `retry\.retries`\?$/],
    [{ secret: 's', banana: true }, /^Unknown option `banana`\.$/],
  ])('an unknown option %p names it and suggests a near miss', (options, message) => {
    expect(create(options)).toThrow(TypeError);
    expect(create(options)).toThrow(message);
  });

  it.each([
    [{ secret: '' }, /`secret` must be a non-empty string/],
    [{ secret: 42 }, /`secret`.*received the number 42/],
    [{ secret: ['ok', ''] }, /`secret`/],
    [{ token: [] }, /`token`/],
    [{ secret: 's', toleranceSeconds: '300' }, /`toleranceSeconds` must be an integer.*received a string/],
    [{ secret: 's', toleranceSeconds: 0 }, /`toleranceSeconds`/],
    [{ secret: 's', maxBodyBytes: -1 }, /`maxBodyBytes`/],
    [{ secret: 's', concurrency: 1.5 }, /`concurrency` must be an integer/],
    [{ secret: 's', maxPending: Number.NaN }, /`maxPending`/],
    [{ secret: 's', processBeforeAck: 'yes' }, /`processBeforeAck` must be true or false/],
    [{ secret: 's', path: 'suno' }, /`path` must be a plain path starting with "\/"/],
    [{ secret: 's', path: '/suno/:kind' }, /`path`/],
    [{ secret: 's', retry: 3 }, /`retry` must be an object/],
    [{ secret: 's', retry: { retries: -1 } }, /`retry\.retries`/],
    [{ secret: 's', logger: { info() {} } }, /`logger` must have debug, info, warn and error methods; missing debug, warn, error/],
    [{ secret: 's', store: {} }, /`store` is missing the method `claim\(\)`/],
    [{ secret: 's', store: { claim() {} } }, /`store` is missing the method `release\(\)`/],
    [{ secret: 's', store: { claim() {}, release() {}, save() {} } }, /implements save\(\), which the middleware no longer calls.*`queue`/],
    [{ secret: 's', store: 'redis' }, /`store` must be an object/],
  ])('a wrong value %p throws a TypeError naming the option', (options, message) => {
    expect(create(options)).toThrow(TypeError);
    expect(create(options)).toThrow(message);
  });

  // Each value is wrong AND carries the secret text, so a message that quoted the value would leak it.
  const LEAK = 'super-secret-value';
  it.each([
    [{ secret: LEAK, token: [LEAK, ''] }, /^`token` must be a non-empty string or an array of non-empty strings; received an array\. $/],
    [{ secret: [LEAK, 42] }, /^`secret` must be a non-empty string or an array of non-empty strings; received an array\. Is SUNO_WEBHOOK_SECRET set/],
    [{ secret: { key: LEAK } }, /^`secret` must be .*; received object\./],
    [{ secret: LEAK, toleranceSeconds: LEAK }, /^`toleranceSeconds` must be an integer of at least 1; received a string\.$/],
    [{ secret: LEAK, path: `/${LEAK}?x` }, /^`path` must be a plain path .*; received a string\.$/],
    [{ secret: LEAK, processBeforeAck: LEAK }, /^`processBeforeAck` must be true or false; received a string\.$/],
  ])('a wrong value never appears in the message: %p', (options, message) => {
    expect(create(options)).toThrow(TypeError);
    expect(create(options)).toThrow(message);
    let text = '';
    try {
      create(options)();
    } catch (error) {
      text = (error as Error).message;
    }
    expect(text).not.toContain(LEAK);
  });

  it('accepts every documented option', async () => {
    const suno = sunoCallbacks({
      secret: ['new', 'old'],
      token: 'tok',
      toleranceSeconds: 60,
      path: '/hooks/suno/',
      dedupeTtlSeconds: 3600,
      maxBodyBytes: 1024,
      retry: { retries: 1, minTimeout: 10, maxTimeout: 100, factor: 3, randomize: true, maxRetryTime: 1000 },
      concurrency: 4,
      maxPending: 10,
      processBeforeAck: true,
      logger: console,
      storeTimeoutMs: 100,
      listenerTimeoutMs: 1000,
      bodyTimeoutMs: 2000,
      maxUnverifiedBytes: 4096,
    });
    expect(suno.path).toBe('/hooks/suno');
    await suno.close();
  });
});
