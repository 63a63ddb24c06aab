/**
 * Recipe: a Cloudflare Worker (`wrangler deploy`; import from 'suno-callbacks/web'). No Node compatibility flag is
 * needed: the web entry uses Web Crypto and precompiled validators, so it runs where code generation is forbidden.
 * The secret comes from `wrangler secret put SUNO_WEBHOOK_SECRET`.
 *
 * Store: D1. Isolates are many and short-lived, so a memory store would dedupe only within one isolate; bind a D1
 * database as `DB` (KV is eventually consistent, so two deliveries could both be "first"). Without `DB` this falls
 * back to memory, which is right for `wrangler dev` only.
 *
 * Listeners run after the answer through `ctx.waitUntil`.
 */
import { memoryStore, sunoCallbacks, type DedupeStore, type SunoWebCallbacks, type WebContext } from '../lib/web/index.js';

/** The part of Cloudflare's D1 binding this store uses. */
interface D1Like {
  prepare(query: string): {
    bind(...values: unknown[]): { first(): Promise<unknown>; run(): Promise<unknown> };
  };
  exec(query: string): Promise<unknown>;
}

interface Env {
  SUNO_WEBHOOK_SECRET: string;
  DB?: D1Like;
}

/** Dedupe keys in a D1 table: a claim inserts the key, or takes it over once expired, in one statement. */
function d1Store(db: D1Like): DedupeStore {
  return {
    async init() {
      await db.exec('CREATE TABLE IF NOT EXISTS suno_dedupe (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)');
    },
    async claim(key, ttlMs) {
      const now = Date.now();
      const row = await db
        .prepare(
          'INSERT INTO suno_dedupe (key, expires_at) VALUES (?1, ?2) ' +
            'ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE suno_dedupe.expires_at <= ?3 RETURNING key',
        )
        .bind(key, now + ttlMs, now)
        .first();
      return row !== null;
    },
    async release(key) {
      await db.prepare('DELETE FROM suno_dedupe WHERE key = ?1').bind(key).run();
    },
  };
}

// One handler per isolate, made on the first request: the secret and the database arrive with `env`, not before.
let suno: SunoWebCallbacks | undefined;

function receiver(env: Env): SunoWebCallbacks {
  if (suno === undefined) {
    suno = sunoCallbacks({ secret: env.SUNO_WEBHOOK_SECRET, store: env.DB ? d1Store(env.DB) : memoryStore() });
    suno.on('cover-ready', async (event) => {
      console.log(`cover ${event.taskId}: ${event.images.length} image(s)`);
    });
  }
  return suno;
}

export default {
  fetch(request: Request, env: Env, ctx: WebContext): Promise<Response> {
    return receiver(env).fetch(request, ctx);
  },
};
