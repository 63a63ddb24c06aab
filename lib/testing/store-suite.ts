import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isDurable, type DedupeStore, type DurableStore, type StoredCallback } from '../store.js';

/** The two functions of a test runner the suite needs; jest, vitest (with `globals: true`) and mocha all have them. */
export interface TestHarness {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
}

export interface TestStoreOptions {
  /**
   * Whether the store must implement the durable part (`save`, `finish`, `reclaim`). Left out, the durable cases run
   * when the store has those methods.
   * @default undefined
   */
  durable?: boolean;
  /**
   * Whether the store must implement `claimAndSave` (checked only with the durable cases). Left out, its cases run
   * when a store from a synchronous factory has the method; an async factory skips them unless this is true.
   * @default undefined
   */
  claimAndSave?: boolean;
  /** Time limit of each case, in milliseconds. @default 20_000 */
  timeoutMs?: number;
  /**
   * Where `describe` and `it` come from, for runners that do not make them globals (`node:test`, vitest without
   * `globals`, or jest with `injectGlobals: false`).
   * @default globalThis
   */
  harness?: TestHarness;
}

/** Makes a fresh store for one case. A durable store should not see the saved records of other tests. */
export type StoreFactory = () => DedupeStore | Promise<DedupeStore>;

/** One case of the suite, runnable on its own. */
export interface StoreCase {
  name: string;
  durable: boolean;
  /** The optional method the case is about; it runs only for a store that has it. */
  optional?: 'claimAndSave';
  run(store: DedupeStore): Promise<void>;
}

const LONG = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Random, so that stores backed by a shared server never see another run's keys. */
function newKey(label: string): string {
  return `suite:${label}:${randomUUID()}`;
}

/** The saved records among `taken` whose keys this case created, in order. */
function ours(taken: readonly StoredCallback[], keys: ReadonlySet<string>): StoredCallback[] {
  return taken.filter((item) => keys.has(item.key));
}

function durable(store: DedupeStore): DurableStore {
  assert.ok(isDurable(store), 'the store has no durable part (save, finish, reclaim)');
  return store;
}

type OneTripStore = DurableStore & Required<Pick<DedupeStore, 'claimAndSave'>>;

function oneTrip(store: DedupeStore): OneTripStore {
  const checked = durable(store);
  assert.equal(typeof checked.claimAndSave, 'function', 'the store has no claimAndSave()');
  return checked as OneTripStore;
}

/**
 * Reclaims until every key of `until` came back (or `deadlineMs` passed); resolves with what came back among the
 * keys of `watch`, by key.
 */
async function reclaimAll(
  store: DurableStore,
  until: ReadonlySet<string>,
  watch: ReadonlySet<string> = until,
  deadlineMs = 10_000,
): Promise<Map<string, string[]>> {
  const seen = new Map<string, string[]>();
  const started = Date.now();
  const pending = new Set(until);
  while (pending.size > 0 && Date.now() - started < deadlineMs) {
    for (const { key, record } of ours(await store.reclaim(LONG, 100), watch)) {
      seen.set(key, [...(seen.get(key) ?? []), record]);
      pending.delete(key);
    }
    if (pending.size > 0) await sleep(25);
  }
  return seen;
}

/** Checks that a saved record stays out of reclaim() while its lease runs, then comes back once, unchanged. */
async function comesBackAfterLease(
  store: DurableStore,
  key: string,
  record: string,
  leaseMs: number,
  savedAt: number,
): Promise<void> {
  const keys = new Set([key]);
  assert.deepEqual(ours(await store.reclaim(LONG, 100), keys), [], 'reclaim() took a record whose lease is running');
  let taken: StoredCallback[] = [];
  while (taken.length === 0 && Date.now() - savedAt < 15_000) {
    await sleep(100);
    taken = ours(await store.reclaim(LONG, 100), keys);
    if (taken.length === 0) continue;
    // Some slack for clock granularity; a record handed back well before its lease is a bug.
    assert.ok(Date.now() - savedAt >= leaseMs - 250, `reclaimed after ${Date.now() - savedAt} ms of a ${leaseMs} ms lease`);
  }
  assert.deepEqual(taken, [{ key, record }], 'the record must come back once, unchanged');
}

/** Saves two records, applies `drop` to one, and checks that only the other comes back; returns the dropped key. */
async function dropsRecord(store: DurableStore, label: string, drop: (key: string) => unknown): Promise<string> {
  const dropped = newKey(label);
  const open = newKey('open');
  for (const key of [dropped, open]) {
    await store.claim(key, LONG);
    await store.save(key, key, 1);
  }
  await drop(dropped);
  await sleep(30);
  // Both leases ran out together: once the open record is back, the dropped one would have come with it.
  const taken = await reclaimAll(store, new Set([open]), new Set([open, dropped]));
  assert.deepEqual([...taken.keys()], [open], `a ${label} record came back`);
  assert.deepEqual(ours(await store.reclaim(LONG, 100), new Set([dropped])), [], `a ${label} record came back`);
  return dropped;
}

/**
 * Every case of the conformance suite, in order. `testStore` registers them with the test runner; they are exported
 * separately so a test can check that the suite catches a broken store.
 */
export const storeCases: readonly StoreCase[] = [
  {
    name: 'claim(key) returns true for the first caller',
    durable: false,
    async run(store) {
      assert.equal(await store.claim(newKey('first'), LONG), true);
    },
  },
  {
    name: 'claim(key) returns false while the key is held',
    durable: false,
    async run(store) {
      const key = newKey('held');
      assert.equal(await store.claim(key, LONG), true);
      assert.equal(await store.claim(key, LONG), false, 'a second claim of a held key must fail');
      assert.equal(await store.claim(key, 1), false, 'a shorter ttl must not take over a held key');
    },
  },
  {
    name: 'claim(key) returns true again once the key has expired',
    durable: false,
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
    durable: false,
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
    durable: false,
    async run(store) {
      const key = newKey('unknown');
      await store.release(key);
      assert.equal(await store.claim(key, LONG), true);
    },
  },
  {
    name: 'keys are independent',
    durable: false,
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
    durable: false,
    async run(store) {
      const key = newKey('race');
      const results = await Promise.all(Array.from({ length: 100 }, () => store.claim(key, LONG)));
      assert.equal(results.filter((result) => result === true).length, 1, 'exactly one claim must win');
      assert.equal(results.filter((result) => result === false).length, 99);
    },
  },
  {
    name: 'claim(key) works with long (1000 characters) and unicode keys',
    durable: false,
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
    durable: false,
    async run(store) {
      await store.init?.();
      await store.init?.();
      assert.equal(await store.claim(newKey('init'), LONG), true);
      await store.close?.();
      await store.close?.();
    },
  },
  {
    name: 'reclaim() hands back a saved, unfinished record only after its lease has run out',
    durable: true,
    async run(plain) {
      const store = durable(plain);
      const key = newKey('lease');
      const record = JSON.stringify({ v: 1, body: { text: 'ünïcödé 🎵', n: [1, 2, 3] } });
      const leaseMs = 1000;
      assert.equal(await store.claim(key, LONG), true);
      const savedAt = Date.now();
      await store.save(key, record, leaseMs);
      await comesBackAfterLease(store, key, record, leaseMs, savedAt);
    },
  },
  {
    name: 'reclaim() renews the lease: a second reclaim() right after returns nothing',
    durable: true,
    async run(plain) {
      const store = durable(plain);
      const keys = new Set([newKey('renew-1'), newKey('renew-2')]);
      for (const key of keys) {
        await store.claim(key, LONG);
        await store.save(key, `record of ${key}`, 1);
      }
      await sleep(30);
      const first = await reclaimAll(store, keys);
      assert.deepEqual([...first.keys()].sort(), [...keys].sort());
      for (const [key, records] of first) assert.deepEqual(records, [`record of ${key}`]);
      assert.deepEqual(ours(await store.reclaim(LONG, 100), keys), [], 'a renewed lease must hold the record');
    },
  },
  {
    name: 'reclaim(leaseMs, limit) hands back at most limit records',
    durable: true,
    async run(plain) {
      const store = durable(plain);
      const keys = new Set(Array.from({ length: 5 }, (_, index) => newKey(`limit-${index}`)));
      for (const key of keys) {
        await store.claim(key, LONG);
        await store.save(key, key, 1);
      }
      await sleep(30);
      const batch = await store.reclaim(LONG, 2);
      assert.ok(batch.length <= 2, `reclaim(…, 2) handed back ${batch.length} records`);
      const first = ours(batch, keys).map((item) => item.key);
      const rest = await reclaimAll(store, new Set([...keys].filter((key) => !first.includes(key))), keys);
      for (const [key, records] of rest) {
        assert.ok(!first.includes(key) && records.length === 1, `${key} was handed back twice`);
      }
      assert.equal(first.length + rest.size, keys.size, 'every record must come back');
    },
  },
  {
    name: 'finish(key) removes the record from reclaim() and keeps the key held',
    durable: true,
    async run(plain) {
      const store = durable(plain);
      const finished = await dropsRecord(store, 'finished', (key) => store.finish(key));
      assert.equal(await store.claim(finished, LONG), false, 'a finished key still blocks redeliveries');
    },
  },
  {
    name: 'release(key) removes the saved record too',
    durable: true,
    async run(plain) {
      const store = durable(plain);
      const released = await dropsRecord(store, 'released', (key) => store.release(key));
      assert.equal(await store.claim(released, LONG), true, 'a released key is free again');
    },
  },
  {
    name: '20 concurrent reclaim() calls hand each record to exactly one caller',
    durable: true,
    async run(plain) {
      const store = durable(plain);
      const keys = new Set(Array.from({ length: 30 }, (_, index) => newKey(`share-${index}`)));
      await Promise.all(
        [...keys].map(async (key) => {
          await store.claim(key, LONG);
          await store.save(key, key, 1);
        }),
      );
      await sleep(30);
      const batches = await Promise.all(Array.from({ length: 20 }, () => store.reclaim(LONG, 5)));
      const handed = batches.flatMap((batch) => ours(batch, keys).map((item) => item.key));
      assert.equal(new Set(handed).size, handed.length, 'a record was handed to two callers');
      // A caller may skip rows another one holds; whatever was skipped must still come back, once.
      const rest = await reclaimAll(store, new Set([...keys].filter((key) => !handed.includes(key))), keys);
      for (const [key, records] of rest) {
        assert.ok(!handed.includes(key) && records.length === 1, `${key} was handed back twice`);
      }
      assert.equal(handed.length + rest.size, keys.size, 'every record must be handed out');
    },
  },
  {
    name: 'claimAndSave(key) returns true for the first caller and the record is reclaimable after its lease',
    durable: true,
    optional: 'claimAndSave',
    async run(plain) {
      const store = oneTrip(plain);
      const key = newKey('one-trip');
      const record = JSON.stringify({ v: 1, body: { text: 'ünïcödé 🎵', n: [1, 2, 3] } });
      const leaseMs = 1000;
      const savedAt = Date.now();
      assert.equal(await store.claimAndSave(key, LONG, record, leaseMs), true);
      assert.equal(await store.claim(key, LONG), false, 'claimAndSave() must hold the key like claim()');
      await comesBackAfterLease(store, key, record, leaseMs, savedAt);
    },
  },
  {
    name: 'claimAndSave(key) returns false while the key is held and saves nothing',
    durable: true,
    optional: 'claimAndSave',
    async run(plain) {
      const store = oneTrip(plain);
      const byClaim = newKey('held-by-claim');
      const byOneTrip = newKey('held-by-claimAndSave');
      assert.equal(await store.claim(byClaim, LONG), true);
      assert.equal(await store.claimAndSave(byClaim, LONG, 'intruder', 1), false, 'claimAndSave() of a claimed key must fail');
      assert.equal(await store.claimAndSave(byOneTrip, LONG, 'first', 1), true);
      assert.equal(await store.claimAndSave(byOneTrip, LONG, 'second', 1), false, 'a second claimAndSave() must fail');
      assert.equal(await store.claimAndSave(byOneTrip, 1, 'third', 1), false, 'a shorter ttl must not take over a held key');
      await sleep(30);
      // Every lease above ran out together: once the first record is back, a wrongly saved one would be with it.
      const taken = await reclaimAll(store, new Set([byOneTrip]), new Set([byClaim, byOneTrip]));
      assert.deepEqual([...taken], [[byOneTrip, ['first']]], 'a losing claimAndSave() saved its record');
      assert.equal(await store.claim(byClaim, LONG), false, 'the claimed key must still be held');
      assert.equal(await store.claim(byOneTrip, LONG), false, 'the key must still be held');
    },
  },
  {
    name: '100 concurrent claimAndSave(key) calls give exactly one winner and one record',
    durable: true,
    optional: 'claimAndSave',
    async run(plain) {
      const store = oneTrip(plain);
      const key = newKey('one-trip-race');
      const results = await Promise.all(Array.from({ length: 100 }, (_, index) => store.claimAndSave(key, LONG, `record ${index}`, 1)));
      const winners = results.flatMap((result, index) => (result === true ? [index] : []));
      assert.equal(winners.length, 1, 'exactly one claimAndSave() must win');
      assert.equal(results.filter((result) => result === false).length, 99);
      await sleep(30);
      const taken = await reclaimAll(store, new Set([key]));
      assert.deepEqual(taken.get(key), [`record ${winners[0]}`], "the record must be the winner's");
      assert.deepEqual(ours(await store.reclaim(LONG, 100), new Set([key])), [], 'a second record came back');
    },
  },
  {
    name: '50 concurrent claim(key) and 50 claimAndSave(key) calls on one key give exactly one winner',
    durable: true,
    optional: 'claimAndSave',
    async run(plain) {
      const store = oneTrip(plain);
      const key = newKey('mixed-race');
      const control = newKey('mixed-control');
      assert.equal(await store.claimAndSave(control, LONG, 'control', 1), true);
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          index % 2 === 0 ? store.claim(key, LONG) : store.claimAndSave(key, LONG, `record ${index}`, 1),
        ),
      );
      const winners = results.flatMap((result, index) => (result === true ? [index] : []));
      assert.equal(winners.length, 1, 'exactly one of claim() and claimAndSave() must win');
      const winner = winners[0] as number;
      await sleep(30);
      // With a claim() winning, no record may exist: the control's record, due as early, shows reclaim() looked.
      const expected = winner % 2 === 1 ? [[control, ['control']], [key, [`record ${winner}`]]] : [[control, ['control']]];
      const until = new Set(winner % 2 === 1 ? [control, key] : [control]);
      const taken = await reclaimAll(store, until, new Set([control, key]));
      assert.deepEqual([...taken].sort(), expected.sort(), 'only the winning claimAndSave() may leave a record');
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

/**
 * Which optional cases to register. Left to the suite, it asks a store from a synchronous factory. An async factory
 * gets the durable cases, which then fail for a store without that part (pass `durable: false`), but not the
 * `claimAndSave` ones: that method is optional even on a durable store (pass `claimAndSave: true`).
 */
function wanted(makeStore: StoreFactory, options: TestStoreOptions): { durable: boolean; claimAndSave: boolean } {
  const probed = options.durable === undefined || options.claimAndSave === undefined ? probe(makeStore) : undefined;
  const withDurable = options.durable ?? (probed === undefined || isDurable(probed));
  const withClaimAndSave = options.claimAndSave ?? typeof probed?.claimAndSave === 'function';
  return { durable: withDurable, claimAndSave: withDurable && withClaimAndSave };
}

/**
 * The conformance suite every store passes, ours and yours: call it at the top level of a test file. Each case gets
 * a fresh store from `makeStore` (initialised, and closed afterwards) and uses random keys. The durable cases (save,
 * finish, reclaim) run for a store that has those methods, or when `durable: true`; the `claimAndSave` cases likewise
 * for a durable store that has that method, or when `claimAndSave: true`.
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
      if (entry.durable) {
        assert.ok(
          isDurable(store),
          'the store has no durable part (save, finish, reclaim); pass { durable: false } to testStore() to skip those cases',
        );
      }
      if (entry.optional === 'claimAndSave') {
        assert.equal(
          typeof store.claimAndSave,
          'function',
          'the store has no claimAndSave(); pass { claimAndSave: false } to testStore() to skip those cases',
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
      if (entry.durable && !want.durable) continue;
      if (entry.optional === 'claimAndSave' && !want.claimAndSave) continue;
      it(entry.durable ? `durable: ${entry.name}` : entry.name, () => withStore(entry), timeoutMs);
    }
  });
}
