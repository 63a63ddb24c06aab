import { StoreError } from './errors.js';
import { hasSignedClaim, type DedupeStore, type SignatureUse, type SignedClaimOutcome } from './store.js';

export type ClaimResult = SignedClaimOutcome | 'unavailable';

/**
 * The store as the pipeline uses it: every call bounded by `timeoutMs` (a hung server must not hang the sender), every
 * failure reported as a `StoreError`, and single-use signatures on any store, including one with only claim/release.
 */
export class GuardedStore {
  private ready: Promise<void> | undefined;

  constructor(
    readonly store: DedupeStore,
    private readonly timeoutMs: number,
    private readonly report: (error: StoreError) => void,
  ) {}

  /** Initialises the store once; a failed init is tried again by the next call. */
  start(): Promise<void> {
    this.ready ??= Promise.resolve()
      .then(() => this.withTimeout('init', () => this.store.init?.()))
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }

  /**
   * Claims `key`, binding the signature first when there is one. A claim that times out gets 'unavailable' (the
   * sender is told 503 and retries), yet may still land in the store afterwards. Undoing it then is what used to
   * lose callbacks: the retry had already found the key and been answered "duplicate". So a late claim that won is
   * handed to `onLateClaim`, whose caller processes the callback as its own; the retry's "duplicate" is then true.
   */
  async claim(key: string, ttlMs: number, use: SignatureUse | undefined, onLateClaim: () => void): Promise<ClaimResult> {
    // Named after the store method that failed, so the error points at the user's own code.
    const operation = use !== undefined && hasSignedClaim(this.store) ? 'claimSigned' : 'claim';
    try {
      if (this.store.init !== undefined) await this.start();
      return await this.withTimeout(
        operation,
        () => (use === undefined ? this.plainClaim(key, ttlMs) : this.signedClaim(key, ttlMs, use)),
        (late) => {
          if (late === 'claimed') onLateClaim();
        },
      );
    } catch (error) {
      this.report(toStoreError(operation, error));
      return 'unavailable';
    }
  }

  private plainClaim(key: string, ttlMs: number): SignedClaimOutcome | Promise<SignedClaimOutcome> {
    const claimed = this.store.claim(key, ttlMs);
    if (claimed instanceof Promise) return claimed.then((first) => (first ? 'claimed' : 'duplicate'));
    return claimed ? 'claimed' : 'duplicate';
  }

  private signedClaim(key: string, ttlMs: number, use: SignatureUse): SignedClaimOutcome | Promise<SignedClaimOutcome> {
    const store = this.store;
    if (hasSignedClaim(store)) return store.claimSigned(key, ttlMs, use);
    return bindThenClaim(store, key, ttlMs, use);
  }

  /** Never throws: a failed release is reported, and the key then simply expires. */
  async release(key: string): Promise<void> {
    try {
      await this.withTimeout('release', () => this.store.release(key));
    } catch (error) {
      this.report(toStoreError('release', error));
    }
  }

  async close(): Promise<void> {
    try {
      await this.withTimeout('close', () => this.store.close?.());
    } catch (error) {
      this.report(toStoreError('close', error));
    }
  }

  /** Store calls may answer synchronously (the memory store) or not at all (a hung server): bound them. */
  private withTimeout<T>(operation: string, call: () => T | Promise<T>, onLate?: (value: T) => void): T | Promise<T> {
    const result = call();
    if (!(result instanceof Promise)) return result;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (onLate !== undefined) result.then(onLate, () => undefined);
        reject(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    return Promise.race([result, timeout])
      .catch((error: unknown) => {
        throw toStoreError(operation, error);
      })
      .finally(() => clearTimeout(timer));
  }
}

/**
 * Single-use signatures with plain claims, for stores without `claimSigned`. Two claims at once: one that only the
 * signature's first use wins, one that only the first use of this exact key and body wins. Losing the first but
 * winning the second means the signature came before with something else: a forgery, whose claim is undone. The
 * dedupe claim comes after, so a forged body never holds a real callback's key, even for a moment.
 */
async function bindThenClaim(store: DedupeStore, key: string, ttlMs: number, use: SignatureUse): Promise<SignedClaimOutcome> {
  const bindingKey = `sig:${use.id}:${use.binding}`;
  const [firstUse, firstOfBinding] = await Promise.all([
    store.claim(`sig:${use.id}`, use.ttlMs),
    store.claim(bindingKey, use.ttlMs),
  ]);
  if (!firstUse && firstOfBinding) {
    await store.release(bindingKey);
    return 'replayed';
  }
  return (await store.claim(key, ttlMs)) ? 'claimed' : 'duplicate';
}

export function toStoreError(operation: string, error: unknown): StoreError {
  return error instanceof StoreError ? error : new StoreError(operation, error);
}
