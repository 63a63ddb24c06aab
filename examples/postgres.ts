/**
 * Dedupe and crash safety in PostgreSQL, for apps whose source of truth is already there:
 * `npx tsx examples/postgres.ts`. Uses DATABASE_URL (default postgres://root@127.0.0.1:5432/test). The table
 * `suno_callbacks` is created on start if missing; to create it from a migration instead, print the SQL with
 * `postgresSchema()` and pass `createTable: false`.
 */
import express from 'express';
import pg from 'pg';
import { sunoCallbacks } from '../lib/index.js';
import { postgresStore } from '../lib/stores/postgres.js';

const secret = process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me';
const port = Number(process.env.PORT ?? 3000);

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test' });
// An idle client's error (a database restart) would otherwise crash the process.
pool.on('error', (error) => console.error(`[postgres] ${error.message}`));

const suno = sunoCallbacks({ secret, store: postgresStore({ pool, table: 'suno_callbacks' }), storeTimeoutMs: 2000 });

suno.on('callback', async (event) => {
  // A listener can write in the same database; make it idempotent (at-least-once, see the README).
  console.log(`[${process.pid}] ${event.kind} ${event.stage} task=${event.taskId}`);
});
suno.on('duplicate', (event) => console.log(`[${process.pid}] duplicate ${event.key}`));
suno.on('error', (error) => console.error(`[${process.pid}] ${error.code}: ${error.message}`));

const app = express();
app.use(suno);
const server = app.listen(port, () => console.log(`listening on http://localhost:${port}${suno.path} (PostgreSQL store)`));

async function shutdown(): Promise<void> {
  server.close();
  await suno.close();
  await pool.end();
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
