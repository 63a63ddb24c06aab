import { describe, expect, it } from '@jest/globals';
import { memoryStore } from '../lib/stores/memory.js';

describe('memoryStore()', () => {
  it('is bounded: past maxEntries the least recently used key goes first', () => {
    const store = memoryStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) expect(store.claim(key, 60_000)).toBe(true);
    // Touching "a" makes "b" the least recently used.
    expect(store.claim('a', 60_000)).toBe(false);
    expect(store.claim('d', 60_000)).toBe(true);
    expect(store.size).toBe(3);
    expect(store.claim('b', 60_000)).toBe(true);
    expect(store.claim('a', 60_000)).toBe(false);
  });

  it('honours expiry', () => {
    let now = 1_000;
    const store = memoryStore({ now: () => now });
    expect(store.claim('k', 500)).toBe(true);
    now += 499;
    expect(store.claim('k', 500)).toBe(false);
    now += 1;
    expect(store.claim('k', 500)).toBe(true);
  });

  it('stays at its bound under a million keys', () => {
    const store = memoryStore({ maxEntries: 1000 });
    for (let index = 0; index < 1_000_000; index += 1) store.claim(`cover:${index}:final`, 60_000);
    expect(store.size).toBe(1000);
    expect(store.claim('cover:999999:final', 60_000)).toBe(false);
    expect(store.claim('cover:0:final', 60_000)).toBe(true);
  });

  it('rejects a bound that is not a positive integer', () => {
    expect(() => memoryStore({ maxEntries: 0 })).toThrow(/`maxEntries` must be a positive integer/);
  });
});
