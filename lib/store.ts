import { received } from './option-checks.js';

/**
 * Where dedupe keys live. The one required operation is an atomic claim; everything else is optional.
 * Methods may answer synchronously or with a Promise.
 *
 * The durable part (`save`, `finish`, `reclaim`: all three or none) makes a store crash-safe: an accepted callback is
 * saved before the sender gets its 200, marked finished once its listeners succeed, and a callback saved but never
 * finished (the process died) is handed out again by `reclaim` once its lease runs out.
 */
export interface DedupeStore {
  /** Atomically claim `key` for `ttlMs`; true when this caller is first, false while the key is held. */
  claim(key: string, ttlMs: number): boolean | Promise<boolean>;
  /** Forget `key` (and any saved record of it), so a later delivery of the same callback is processed again. */
  release(key: string): void | Promise<void>;
  /** Prepare the store (create tables, load scripts); called once, before the first claim. Must be idempotent. */
  init?(): void | Promise<void>;
  /** Free the store's resources; called by `suno.close()` only for a store the middleware created. Idempotent. */
  close?(): void | Promise<void>;
  /** Durable: record an accepted callback under its claimed key; nobody may reclaim it for `leaseMs`. */
  save?(key: string, record: string, leaseMs: number): void | Promise<void>;
  /** Durable: the callback's listeners succeeded; keep the key (it still blocks redeliveries) but drop the record. */
  finish?(key: string): void | Promise<void>;
  /**
   * Durable: atomically take up to `limit` saved, unfinished records whose lease has run out, renewing each lease by
   * `leaseMs` so that no other instance takes the same record.
   */
  reclaim?(leaseMs: number, limit: number): StoredCallback[] | Promise<StoredCallback[]>;
  /**
   * Durable, optional: atomically claim `key` for `ttlMs` and, only when this caller is first, save `record` under it
   * with a lease of `leaseMs`; resolves like `claim`. The sender waits for its 200 until the callback is saved, so
   * `claim` then `save` costs it two round trips to the store; this is one. Without it the middleware calls both.
   */
  claimAndSave?(key: string, ttlMs: number, record: string, leaseMs: number): boolean | Promise<boolean>;
}

/** A callback saved by a durable store, as `reclaim` hands it back. */
export interface StoredCallback {
  key: string;
  record: string;
}

/** A store whose durable part is present. */
export type DurableStore = DedupeStore & Required<Pick<DedupeStore, 'save' | 'finish' | 'reclaim'>>;

const DURABLE_METHODS = ['save', 'finish', 'reclaim'] as const;

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
  for (const method of ['init', 'close', ...DURABLE_METHODS]) {
    if (candidate[method] !== undefined && typeof candidate[method] !== 'function') {
      throw new TypeError(`\`store.${method}\` must be a function when present; received ${received(candidate[method])}.`);
    }
  }
  const durable = DURABLE_METHODS.filter((method) => typeof candidate[method] === 'function');
  if (durable.length > 0 && durable.length < DURABLE_METHODS.length) {
    const missing = DURABLE_METHODS.filter((method) => !durable.includes(method));
    throw new TypeError(
      `\`store\` implements ${durable.map((m) => `${m}()`).join(', ')} but not ${missing.map((m) => `${m}()`).join(', ')}: ` +
        'a durable store needs save(), finish() and reclaim() together.',
    );
  }
  if (candidate.claimAndSave !== undefined) {
    if (typeof candidate.claimAndSave !== 'function') {
      throw new TypeError(`\`store.claimAndSave\` must be a function when present; received ${received(candidate.claimAndSave)}.`);
    }
    // The middleware only saves on a durable store, so elsewhere the method would never be called: a mistake to report.
    if (durable.length === 0) {
      throw new TypeError(
        '`store` implements claimAndSave() but not save(), finish() and reclaim(): claimAndSave() belongs to the durable part.',
      );
    }
  }
}

export function isDurable(store: DedupeStore): store is DurableStore {
  return typeof store.save === 'function' && typeof store.finish === 'function' && typeof store.reclaim === 'function';
}
