import type { DurableStore, StoredCallback } from '../../lib/store.js';

/** A correct durable store in memory, the base the broken variants below change one thing of. */
export function durableMapStore(): DurableStore {
  const claims = new Map<string, number>();
  const saved = new Map<string, { record: string; leaseUntil: number }>();
  return {
    claim(key, ttlMs) {
      if ((claims.get(key) ?? 0) > Date.now()) return false;
      claims.set(key, Date.now() + ttlMs);
      return true;
    },
    release(key) {
      claims.delete(key);
      saved.delete(key);
    },
    save(key, record, leaseMs) {
      saved.set(key, { record, leaseUntil: Date.now() + leaseMs });
    },
    finish(key) {
      saved.delete(key);
    },
    reclaim(leaseMs, limit) {
      const taken: StoredCallback[] = [];
      for (const [key, entry] of saved) {
        if (taken.length >= limit) break;
        if (entry.leaseUntil > Date.now()) continue;
        entry.leaseUntil = Date.now() + leaseMs;
        taken.push({ key, record: entry.record });
      }
      return taken;
    },
  };
}
