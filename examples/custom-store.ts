/**
 * Writing your own store: the smallest useful one, a Map with expiry. A store needs only `claim` (atomic: true for
 * the first caller, false while the key is held) and `release`; `init` and `close` are optional. Check yours with
 * the conformance suite, as __tests__/store-conformance.test.ts does with this one:
 *
 *   import { testStore } from 'suno-callbacks/testing';
 *   testStore('mapStore', () => mapStore());
 *
 * Like the built-in memory store, this one lives in one process and is not shared between instances. Signatures are
 * single-use with it too: the middleware binds them through plain claims (an optional `claimSigned` does it in one
 * step; lib/stores/redis.ts is a readable model). Delivery that survives a crash is the `queue` option's job.
 *
 * Run it as a server with `npx tsx examples/custom-store.ts`.
 */
import express from 'express';
import { pathToFileURL } from 'node:url';
import { sunoCallbacks, type DedupeStore } from '../lib/index.js';

export interface MapStoreOptions {
  /** Clock in milliseconds, for tests. @default Date.now */
  now?: () => number;
}

/**
 * A dedupe store on a Map. JavaScript runs one callback at a time, so a synchronous check-then-set is atomic here;
 * a store on a server must make its claim one server-side operation instead (SET NX, INSERT ... ON CONFLICT).
 *
 * @example
 * const suno = sunoCallbacks({ secret, store: mapStore() });
 */
export function mapStore(options: MapStoreOptions = {}): DedupeStore {
  const now = options.now ?? Date.now;
  const expiries = new Map<string, number>();
  let claimsSinceSweep = 0;

  // Expired keys would otherwise stay until claimed again; a sweep every 1000 claims keeps the Map small without
  // scanning it on every request.
  function sweep(): void {
    const current = now();
    for (const [key, expiresAt] of expiries) if (expiresAt <= current) expiries.delete(key);
  }

  return {
    claim(key, ttlMs) {
      if (++claimsSinceSweep >= 1000) {
        claimsSinceSweep = 0;
        sweep();
      }
      const expiresAt = expiries.get(key);
      if (expiresAt !== undefined && expiresAt > now()) return false;
      expiries.set(key, now() + ttlMs);
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

async function main(): Promise<void> {
  const secret = process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me';
  const port = Number(process.env.PORT ?? 3000);
  const suno = sunoCallbacks({ secret, store: mapStore() });
  suno.on('callback', (event) => console.log(`[${event.kind}] ${event.stage} task=${event.taskId}`));
  suno.on('duplicate', (event) => console.log(`[duplicate] ${event.key}`));
  suno.on('error', (error) => console.error(`[error] ${error.code}: ${error.message}`));

  const app = express();
  app.use(suno);
  const server = app.listen(port, () => console.log(`listening on http://localhost:${port}${suno.path} (mapStore)`));
  const shutdown = async (): Promise<void> => {
    server.close();
    await suno.close();
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

// Imported by the tests for mapStore(); started as a server only when run directly.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
