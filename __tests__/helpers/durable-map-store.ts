import type { DurableStore, StoredCallback } from '../../lib/store.js';

/** A durable store whose optional claimAndSave() is there too. */
export type OneTripMapStore = DurableStore & Required<Pick<DurableStore, 'claimAndSave'>>;

/** A correct durable store in memory, the base the broken variants below change one thing of. */
export function durableMapStore(): OneTripMapStore {
  const claims = new Map<string, number>();
  const saved = new Map<string, { record: string; leaseUntil: number }>();
  const claim = (key: string, ttlMs: number): boolean => {
    if ((claims.get(key) ?? 0) > Date.now()) return false;
    claims.set(key, Date.now() + ttlMs);
    return true;
  };
  const save = (key: string, record: string, leaseMs: number): void => {
    saved.set(key, { record, leaseUntil: Date.now() + leaseMs });
  };
  return {
    claim,
    release(key) {
      claims.delete(key);
      saved.delete(key);
    },
    save,
    // Synchronous, so nothing can run between the claim and the save: atomic.
    claimAndSave(key, ttlMs, record, leaseMs) {
      if (!claim(key, ttlMs)) return false;
      save(key, record, leaseMs);
      return true;
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
