import { received } from './option-checks.js';

/**
 * Where dedupe keys live: one question, "has this key been seen?", answered atomically. Durability of the work is
 * the queue's job (the `queue` option), not the store's. Methods may answer synchronously or with a Promise.
 */
export interface DedupeStore {
  /** Atomically claim `key` for `ttlMs`; true when this caller is first, false while the key is held. */
  claim(key: string, ttlMs: number): boolean | Promise<boolean>;
  /** Forget `key`, so a later delivery of the same callback is processed again. */
  release(key: string): void | Promise<void>;
  /** Prepare the store (create tables, load scripts); called once, before the first claim. Must be idempotent. */
  init?(): void | Promise<void>;
  /** Free the store's resources; called by `suno.close()` only for a store the middleware created. Idempotent. */
  close?(): void | Promise<void>;
}

/**
 * One use of a provider signature. The provider signs `<taskId>.<timestamp>`, not the body, so whoever holds one
 * header pair could attach it to any body for that task: the first authentic use binds the signature to one dedupe
 * key and one body, and any other use of it is a forgery.
 */
export interface SignatureUse {
  /** Identifies the (task id, timestamp, signature) triple; a digest, never the signature itself. */
  id: string;
  /** Digest of the dedupe key and the body that first used the signature. */
  binding: string;
  /** How long the binding is kept: at least twice the timestamp tolerance. */
  ttlMs: number;
}

/** `replayed`: the signature was first used with another key or body. */
export type SignedClaimOutcome = 'claimed' | 'duplicate' | 'replayed';

/**
 * A store that binds a signature and claims a key in ONE atomic step (one round trip on a server). The built-in
 * stores are; any other `DedupeStore` still gets single-use signatures, through plain claims (two round trips).
 */
export interface SignedClaimStore extends DedupeStore {
  /**
   * Atomically: when `use.id` is bound to another binding, answer `replayed` and change nothing; otherwise bind it
   * (if unbound) for `use.ttlMs`, then claim `key` for `ttlMs` like `claim` does.
   */
  claimSigned(key: string, ttlMs: number, use: SignatureUse): SignedClaimOutcome | Promise<SignedClaimOutcome>;
}

export function hasSignedClaim(store: DedupeStore): store is SignedClaimStore {
  return typeof (store as Partial<SignedClaimStore>).claimSigned === 'function';
}

/** Methods of the crash-safe store contract of 0.1, now replaced by the `queue` option: named so a user learns why. */
const REMOVED_METHODS = ['save', 'finish', 'reclaim', 'claimAndSave'] as const;

/** Checks a store's shape once, in the factory, naming what is missing. */
export function assertStore(store: unknown): asserts store is DedupeStore {
  if (typeof store !== 'object' || store === null) {
    throw new TypeError(`\`store\` must be an object with claim() and release(); received ${received(store)}.`);
  }
  const candidate = store as Record<string, unknown>;
  for (const method of ['claim', 'release'] as const) {
    if (typeof candidate[method] !== 'function') {
      throw new TypeError(`\`store\` is missing the method \`${method}()\` that every DedupeStore must have.`);
    }
  }
  for (const method of ['init', 'close', 'claimSigned']) {
    if (candidate[method] !== undefined && typeof candidate[method] !== 'function') {
      throw new TypeError(`\`store.${method}\` must be a function when present; received ${received(candidate[method])}.`);
    }
  }
  const removed = REMOVED_METHODS.filter((method) => candidate[method] !== undefined);
  if (removed.length > 0) {
    throw new TypeError(
      `\`store\` implements ${removed.map((m) => `${m}()`).join(', ')}, which the middleware no longer calls: a store ` +
        'only dedupes. For crash-safe delivery pass a BullMQ queue as the `queue` option.',
    );
  }
}
