import { rejectUnknown } from '../option-checks.js';
import type { SignedClaimStore } from '../store.js';
import { ExpiringMap } from './expiring-map.js';

export interface MemoryStoreOptions {
  /**
   * Most keys held at once (and, separately, most signature bindings); past it the least recently claimed key is
   * forgotten first, so memory stays bounded.
   * @default 100_000
   */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number;
}

const OPTION_NAMES = ['maxEntries', 'now'] as const satisfies ReadonlyArray<keyof MemoryStoreOptions>;

/**
 * The default store: one process, bounded memory, expiry honoured. Not shared between instances: run several
 * instances behind a load balancer with the Redis or PostgreSQL store instead.
 *
 * @example
 * const suno = sunoCallbacks({ secret, store: memoryStore({ maxEntries: 10_000 }) });
 */
export function memoryStore(options: MemoryStoreOptions = {}): SignedClaimStore & { readonly size: number } {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('memoryStore() takes an options object: memoryStore({ maxEntries }).');
  }
  rejectUnknown('', options, OPTION_NAMES);
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError(`\`maxEntries\` must be a positive integer; received ${String(maxEntries)}.`);
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new TypeError('`now` must be a function returning milliseconds.');
  }
  const now = options.now ?? Date.now;
  const claims = new ExpiringMap<true>(maxEntries, now);
  const bindings = new ExpiringMap<string>(maxEntries, now);

  function claim(key: string, ttlMs: number): boolean {
    if (claims.get(key) !== undefined) {
      // A key still being redelivered is the last one to forget.
      claims.touch(key);
      return false;
    }
    claims.set(key, true, ttlMs);
    return true;
  }

  return {
    get size() {
      return claims.size;
    },
    claim,
    claimSigned(key, ttlMs, use) {
      const bound = bindings.get(use.id);
      if (bound !== undefined && bound !== use.binding) return 'replayed';
      if (bound === undefined) bindings.set(use.id, use.binding, use.ttlMs);
      return claim(key, ttlMs) ? 'claimed' : 'duplicate';
    },
    release(key) {
      claims.delete(key);
    },
    close() {
      claims.clear();
      bindings.clear();
    },
  };
}
