import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { hasSignedClaim, type DedupeStore, type SignatureUse, type SignedClaimStore } from '../store.js';

/** The two functions of a test runner the suite needs; jest, vitest (with `globals: true`) and mocha all have them. */
export interface TestHarness {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
}

export interface TestStoreOptions {
  /**
   * Whether the store must implement `claimSigned` (the one-round-trip claim that binds a signature). Left out, its
   * cases run when a store from a synchronous factory has the method; an async factory skips them unless this is true.
   * @default undefined
   */
  claimSigned?: boolean;
  /** Time limit of each case, in milliseconds. @default 20_000 */
  timeoutMs?: number;
  /**
   * Where `describe` and `it` come from, for runners that do not make them globals (`node:test`, vitest without
   * `globals`, or jest with `injectGlobals: false`).
   * @default globalThis
   */
  harness?: TestHarness;
}

/** Makes a fresh store for one case. */
export type StoreFactory = () => DedupeStore | Promise<DedupeStore>;

/** One case of the suite, runnable on its own. */
export interface StoreCase {
  name: string;
  /** The optional method the case is about; it runs only for a store that has it. */
  optional?: 'claimSigned';
  run(store: DedupeStore): Promise<void>;
}

const LONG = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Random, so that stores backed by a shared server never see another run's keys. */
function newKey(label: string): string {
  return `suite:${label}:${randomUUID()}`;
}

function newUse(binding: string = randomUUID(), ttlMs = LONG): SignatureUse {
  return { id: randomUUID(), binding, ttlMs };
}

function signed(store: DedupeStore): SignedClaimStore {
  assert.ok(hasSignedClaim(store), 'the store has no claimSigned()');
  return store;
}

/**
 * Every case of the conformance suite, in order. `testStore` registers them with the test runner; they are exported
 * separately so a test can check that the suite catches a broken store.
 */
export const storeCases: readonly StoreCase[] = [
  {
    name: 'claim(key) returns true for the first caller',
    async run(store) {
      assert.equal(await store.claim(newKey('first'), LONG), true);
    },
  },
  {
    name: 'claim(key) returns false while the key is held',
    async run(store) {
      const key = newKey('held');
      assert.equal(await store.claim(key, LONG), true);
      assert.equal(await store.claim(key, LONG), false, 'a second claim of a held key must fail');
      assert.equal(await store.claim(key, 1), false, 'a shorter ttl must not take over a held key');
    },
  },
  {
    name: 'claim(key) returns true again once the key has expired',
    async run(store) {
      const key = newKey('expiry');
      assert.equal(await store.claim(key, 1000), true);
      assert.equal(await store.claim(key, LONG), false, 'the key must be held before its ttl runs out');
      const started = Date.now();
      let claimed = false;
      while (!claimed && Date.now() - started < 3000) {
        await sleep(100);
        claimed = await store.claim(key, LONG);
      }
      assert.ok(claimed, 'the key was still held 3 s after a 1 s ttl');
      assert.equal(await store.claim(key, LONG), false, 'the new claim must hold the key again');
    },
  },
  {
    name: 'release(key) frees the key',
    async run(store) {
      const key = newKey('release');
      assert.equal(await store.claim(key, LONG), true);
      await store.release(key);
      assert.equal(await store.claim(key, LONG), true, 'a released key must be claimable again');
      assert.equal(await store.claim(key, LONG), false);
    },
  },
  {
    name: 'release(key) of a key nobody claimed does nothing',
    async run(store) {
      const key = newKey('unknown');
      await store.release(key);
      assert.equal(await store.claim(key, LONG), true);
    },
  },
  {
    name: 'keys are independent',
    async run(store) {
      const a = newKey('a');
      const b = `${a}:b`;
      assert.equal(await store.claim(a, LONG), true);
      assert.equal(await store.claim(b, LONG), true, 'a key that extends a held key is another key');
      await store.release(a);
      assert.equal(await store.claim(b, LONG), false, 'releasing one key must not free another');
      assert.equal(await store.claim(a, LONG), true);
    },
  },
  {
    name: '100 concurrent claim(key) calls give exactly one winner',
    async run(store) {
      const key = newKey('race');
      const results = await Promise.all(Array.from({ length: 100 }, () => store.claim(key, LONG)));
      assert.equal(results.filter((result) => result === true).length, 1, 'exactly one claim must win');
      assert.equal(results.filter((result) => result === false).length, 99);
    },
  },
  {
    name: 'claim(key) works with long (1000 characters) and unicode keys',
    async run(store) {
      const long = newKey('long').padEnd(1000, 'x');
      const unicode = newKey('música ünïcödé 🎵 "quotes" \'single\' \\ % _ *');
      const lookalike = unicode.normalize('NFD');
      for (const key of [long, unicode]) {
        assert.equal(await store.claim(key, LONG), true, `first claim of ${key.slice(0, 40)}...`);
        assert.equal(await store.claim(key, LONG), false, `second claim of ${key.slice(0, 40)}...`);
      }
      assert.equal(await store.claim(long.slice(0, 999), LONG), true, 'a prefix of a long key is another key');
      assert.equal(await store.claim(lookalike, LONG), true, 'keys are compared as exact strings');
      await store.release(unicode);
      assert.equal(await store.claim(unicode, LONG), true);
    },
  },
  {
    name: 'init() and close() are idempotent',
    async run(store) {
      await store.init?.();
      await store.init?.();
      assert.equal(await store.claim(newKey('init'), LONG), true);
      await store.close?.();
      await store.close?.();
    },
  },
  {
    name: 'claimSigned(key, use) claims like claim() on first use, and claim() sees the key held',
    optional: 'claimSigned',
    async run(store) {
      const key = newKey('signed-first');
      const use = newUse();
      assert.equal(await signed(store).claimSigned(key, LONG, use), 'claimed');
      assert.equal(await store.claim(key, LONG), false, 'claimSigned() must hold the key like claim()');
    },
  },
  {
    name: 'claimSigned(key, use) with the same binding again is a duplicate, and claims again once released',
    optional: 'claimSigned',
    async run(store) {
      const key = newKey('signed-again');
      const use = newUse();
      assert.equal(await signed(store).claimSigned(key, LONG, use), 'claimed');
      assert.equal(await signed(store).claimSigned(key, LONG, use), 'duplicate');
      await store.release(key);
      assert.equal(await signed(store).claimSigned(key, LONG, use), 'claimed', 'a redelivery after release runs again');
    },
  },
  {
    name: 'claimSigned() with another binding for a used signature is replayed and claims nothing',
    optional: 'claimSigned',
    async run(store) {
      const genuine = newKey('genuine');
      const forged = newKey('forged');
      const use = newUse();
      assert.equal(await signed(store).claimSigned(genuine, LONG, use), 'claimed');
      assert.equal(await signed(store).claimSigned(forged, LONG, { ...use, binding: 'another body' }), 'replayed');
      assert.equal(await store.claim(forged, LONG), true, 'a replayed use must not claim its key');
      assert.equal(await signed(store).claimSigned(genuine, LONG, use), 'duplicate', 'the first binding must stay');
    },
  },
  {
    name: 'claimSigned() of a held key with an unused signature is a duplicate and binds the signature',
    optional: 'claimSigned',
    async run(store) {
      const key = newKey('held-then-signed');
      const use = newUse();
      assert.equal(await store.claim(key, LONG), true);
      assert.equal(await signed(store).claimSigned(key, LONG, use), 'duplicate');
      assert.equal(await signed(store).claimSigned(newKey('other'), LONG, { ...use, binding: 'x' }), 'replayed');
    },
  },
  {
    name: '50 concurrent claimSigned() calls, one signature, 50 bindings: one claims, 49 are replayed',
    optional: 'claimSigned',
    async run(store) {
      const id = randomUUID();
      const keys = Array.from({ length: 50 }, (_, index) => newKey(`race-${index}`));
      const outcomes = await Promise.all(
        keys.map((key, index) => signed(store).claimSigned(key, LONG, { id, binding: `body ${index}`, ttlMs: LONG })),
      );
      assert.equal(outcomes.filter((outcome) => outcome === 'claimed').length, 1, 'exactly one use must win');
      assert.equal(outcomes.filter((outcome) => outcome === 'replayed').length, 49);
      const loser = keys[outcomes.indexOf('replayed')] as string;
      assert.equal(await store.claim(loser, LONG), true, 'a replayed use must not hold its key');
    },
  },
  {
    name: 'claimSigned() forgets a binding once its ttl has run out',
    optional: 'claimSigned',
    async run(store) {
      const use = newUse('first body', 1000);
      assert.equal(await signed(store).claimSigned(newKey('bound'), LONG, use), 'claimed');
      const started = Date.now();
      let outcome = 'replayed';
      while (outcome === 'replayed' && Date.now() - started < 3000) {
        await sleep(100);
        outcome = await signed(store).claimSigned(newKey('rebound'), LONG, { ...use, binding: 'second body' });
      }
      assert.equal(outcome, 'claimed', 'the binding was still held 3 s after a 1 s ttl');
    },
  },
];

function harnessFrom(options: TestStoreOptions): TestHarness {
  if (options.harness !== undefined) return options.harness;
  const globals = globalThis as { describe?: unknown; it?: unknown };
  if (typeof globals.describe !== 'function' || typeof globals.it !== 'function') {
    throw new TypeError(
      'testStore() registers tests with the global `describe` and `it` (jest, vitest with `globals: true`, mocha). ' +
        'Run it inside a test file, or pass them: testStore(name, makeStore, { harness: { describe, it } }).',
    );
  }
  return { describe: globals.describe as TestHarness['describe'], it: globals.it as TestHarness['it'] };
}

/** A store from a synchronous factory, to see which methods it has; undefined for an async factory. */
function probe(makeStore: StoreFactory): DedupeStore | undefined {
  const made = makeStore();
  if (made instanceof Promise) {
    made.then((store) => store.close?.()).catch(() => undefined);
    return undefined;
  }
  // Never initialised, so there is nothing to undo beyond close().
  Promise.resolve(made.close?.()).catch(() => undefined);
  return made;
}

/** Which optional cases to register: asked of a store from a synchronous factory, unless the options say. */
function wanted(makeStore: StoreFactory, options: TestStoreOptions): { claimSigned: boolean } {
  if (options.claimSigned !== undefined) return { claimSigned: options.claimSigned };
  const probed = probe(makeStore);
  return { claimSigned: probed !== undefined && hasSignedClaim(probed) };
}

/**
 * The conformance suite every store passes, ours and yours: call it at the top level of a test file. Each case gets
 * a fresh store from `makeStore` (initialised, and closed afterwards) and uses random keys. The `claimSigned` cases
 * run for a store that has that method, or when `claimSigned: true`.
 *
 * @example
 * import { testStore } from 'suno-callbacks/testing';
 * import { myStore } from '../src/my-store.js';
 *
 * testStore('myStore', () => myStore({ url: process.env.MY_STORE_URL }));
 */
export function testStore(name: string, makeStore: StoreFactory, options: TestStoreOptions = {}): void {
  const { describe, it } = harnessFrom(options);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const want = wanted(makeStore, options);

  async function withStore(entry: StoreCase): Promise<void> {
    const store = await makeStore();
    try {
      if (entry.optional === 'claimSigned') {
        assert.ok(
          hasSignedClaim(store),
          'the store has no claimSigned(); pass { claimSigned: false } to testStore() to skip those cases',
        );
      }
      await store.init?.();
      await entry.run(store);
    } finally {
      await store.close?.();
    }
  }

  describe(`${name} (DedupeStore conformance)`, () => {
    for (const entry of storeCases) {
      if (entry.optional === 'claimSigned' && !want.claimSigned) continue;
      it(entry.name, () => withStore(entry), timeoutMs);
    }
  });
}
