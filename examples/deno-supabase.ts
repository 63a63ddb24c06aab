/**
 * Recipe: a Deno server or a Supabase Edge Function (`supabase/functions/suno-callback/index.ts`; import from
 * 'npm:suno-callbacks/web' and 'npm:suno-callbacks/postgres' there). Deploy it with `--no-verify-jwt`: the provider
 * sends no Supabase JWT, the webhook signature authenticates it instead.
 *
 * Store: PostgreSQL, the project's own database (Supabase sets SUPABASE_DB_URL in every Edge Function). Each
 * invocation may run in a fresh isolate, so a memory store would dedupe nothing; without a database URL (plain
 * `deno run` on one machine) it falls back to memory.
 *
 * Listeners: Supabase's `EdgeRuntime.waitUntil` keeps the isolate alive after the answer; plain Deno runs them in
 * its long-lived process.
 */
import pg from 'pg';
import { memoryStore, sunoCallbacks } from '../lib/web/index.js';
import { postgresStore } from '../lib/stores/postgres.js';

// Deno's and Supabase's globals, declared here so that the repository's Node type check accepts this file.
declare const Deno: {
  serve(handler: (request: Request) => Response | Promise<Response>): unknown;
  env: { get(name: string): string | undefined };
};
declare const EdgeRuntime: { waitUntil(promise: Promise<unknown>): void } | undefined;

const databaseUrl = Deno.env.get('SUPABASE_DB_URL');
const store = databaseUrl
  ? postgresStore({ pool: new pg.Pool({ connectionString: databaseUrl, max: 2 }) })
  : memoryStore();

const suno = sunoCallbacks({ secret: Deno.env.get('SUNO_WEBHOOK_SECRET'), store });

suno.on('music-ready', async (event) => {
  console.log(`music ${event.taskId}: ${event.tracks.length} track(s)`);
});

const waitUntil = typeof EdgeRuntime === 'undefined' ? undefined : (promise: Promise<unknown>) => EdgeRuntime?.waitUntil(promise);

Deno.serve((request) => suno.fetch(request, waitUntil === undefined ? undefined : { waitUntil }));
