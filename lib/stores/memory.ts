import type { DedupeStore } from '../store.js';

export interface MemoryStoreOptions {
  /**
   * Most keys held at once; past it the least recently used key is forgotten first, so memory stays bounded.
   * @default 100_000
   */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number;
}

/**
 * The default store: one process, bounded memory, expiry honoured. Not shared between instances and not crash-safe:
 * a process killed between the 200 and its listeners loses that callback. Use the Redis or PostgreSQL store for either.
 *
 * @example
 * const suno = sunoCallbacks({ secret, store: memoryStore({ maxEntries: 10_000 }) });
 */
export function memoryStore(options: MemoryStoreOptions = {}): DedupeStore & { readonly size: number } {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError(`\`maxEntries\` must be a positive integer; received ${String(maxEntries)}.`);
  }
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used key first.
  const expiries = new Map<string, number>();
  // Eviction goes through one long-lived iterator. A fresh keys() iterator starts at the front of the Map's table and
  // steps over every slot deleted since the table was last compacted: once the store is full, that made each claim
  // cost tens of microseconds. A live iterator never passes a key without evicting it, and the spec makes it skip
  // deleted keys and reach re-inserted ones at the end, so its next key is always the least recently used one.
  let oldest = expiries.keys();

  return {
    get size() {
      return expiries.size;
    },
    claim(key, ttlMs) {
      const current = now();
      const expiresAt = expiries.get(key);
      if (expiresAt !== undefined) {
        expiries.delete(key);
        if (expiresAt > current) {
          expiries.set(key, expiresAt);
          return false;
        }
      }
      expiries.set(key, current + ttlMs);
      if (expiries.size > maxEntries) {
        let next = oldest.next();
        // An iterator that reached the end stays finished, even after keys are added: start a new one.
        if (next.done === true) {
          oldest = expiries.keys();
          next = oldest.next();
        }
        if (next.done !== true) expiries.delete(next.value);
      }
      return true;
    },
    release(key) {
      expiries.delete(key);
    },
    close() {
      expiries.clear();
    },
  };
}
