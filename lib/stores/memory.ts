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
        const oldest = expiries.keys().next().value;
        if (oldest !== undefined) expiries.delete(oldest);
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
