/**
 * What the conformance suite cannot see about the PostgreSQL store: the table name is checked before it reaches SQL,
 * init() is safe when several processes run it at once, migrations can own the schema, tables of 0.1 are upgraded,
 * expired rows are cleaned up in batches through an index, and a signed claim is one statement.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { postgresSchema, postgresStore, type PgQueryable } from '../lib/stores/postgres.js';
import { needs, testPool, uniqueName } from './helpers/services.js';

const fakePool: PgQueryable = { query: async () => ({ rows: [], rowCount: 0 }) };

describe('postgresStore() options', () => {
  it.each([
    'suno; DROP TABLE users',
    'suno"callbacks',
    'a.b.c',
    '1starts_with_digit',
    '',
    'x'.repeat(49),
    'schema.',
  ])('refuses the table name %j before it reaches SQL', (table) => {
    expect(() => postgresStore({ pool: fakePool, table })).toThrow(/`table` must be a table name/);
  });

  it('accepts plain and schema-qualified names, quoting each part', async () => {
    const seen: string[] = [];
    const pool: PgQueryable = {
      query: async (text) => {
        seen.push(text);
        return { rows: [], rowCount: 1 };
      },
    };
    await postgresStore({ pool, table: 'App_Schema.Suno_Callbacks' }).claim('k', 1000);
    expect(seen[0]).toContain('INSERT INTO "App_Schema"."Suno_Callbacks" AS t');
    expect(() => postgresStore({ pool, table: 'x'.repeat(48) })).not.toThrow();
  });

  it('needs a pool and sensible clean-up settings', () => {
    expect(() => postgresStore({} as never)).toThrow(/needs `pool`/);
    expect(() => postgresStore({ pool: fakePool, cleanupBatch: 0 })).toThrow(/`cleanupBatch` must be an integer of at least 1/);
    expect(() => postgresStore({ pool: fakePool, cleanupIntervalMs: -1 })).toThrow(/`cleanupIntervalMs`/);
    expect(() => postgresStore({ pool: fakePool, tabel: 'x' } as never)).toThrow(/Unknown option `tabel`.*Did you mean `table`/);
  });

  it('publishes the SQL that init() runs', () => {
    const sql = postgresSchema('suno_callbacks');
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "suno_callbacks"');
    expect(sql).toContain('CREATE INDEX IF NOT EXISTS "suno_callbacks_expires_at" ON "suno_callbacks" (expires_at);');
    expect(() => postgresSchema('bad name')).toThrow(TypeError);
  });
});

const describePostgres = await needs('postgres');

describePostgres('postgresStore() on a real server', () => {
  let db: pg.Pool;
  const tables: string[] = [];
  const schema = uniqueName('suno_schema');
  const table = (label: string): string => {
    const name = uniqueName(`suno_${label}`);
    tables.push(name);
    return name;
  };
  const rowCount = async (name: string, where = 'true'): Promise<number> => {
    const result = await db.query(`SELECT count(*)::int AS n FROM "${name}" WHERE ${where}`);
    return (result.rows[0] as { n: number }).n;
  };

  beforeAll(() => {
    db = testPool(4);
  });

  afterAll(async () => {
    for (const name of tables) await db.query(`DROP TABLE IF EXISTS "${name}"`);
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  });

  it('init() run by several processes at once creates the table once, without an error', async () => {
    const name = table('race');
    // Separate pools: separate connections, as separate processes would have.
    const pools = Array.from({ length: 5 }, () => testPool(1));
    try {
      await Promise.all(pools.map((pool) => postgresStore({ pool, table: name }).init?.()));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    const indexes = await db.query('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname', [name]);
    expect(indexes.rows.map((row: { indexname: string }) => row.indexname)).toEqual([
      `${name}_expires_at`,
      `${name}_pkey`,
    ]);
  });

  it('works in a schema of its own', async () => {
    await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const store = postgresStore({ pool: db, table: `${schema}.callbacks` });
    await store.init?.();
    expect(await store.claim('k', 60_000)).toBe(true);
    expect(await store.claim('k', 60_000)).toBe(false);
  });

  it('with createTable: false, init() only checks the table that migrations created', async () => {
    const name = table('migrated');
    const store = postgresStore({ pool: db, table: name, createTable: false });
    await expect(store.init?.()).rejects.toThrow(/does not exist/);
    await db.query(postgresSchema(name));
    await store.init?.();
    expect(await store.claim('k', 60_000)).toBe(true);
  });

  it('cleanup() deletes expired keys and bindings in batches, and keeps live ones', async () => {
    const name = table('cleanup');
    const store = postgresStore({ pool: db, table: name, cleanupIntervalMs: 3_600_000 });
    await store.init?.();
    for (let index = 0; index < 5; index += 1) await store.claim(`expired-${index}`, 1);
    await store.claimSigned('signed', 1, { id: 'old', binding: 'b', ttlMs: 1 });
    await store.claim('live', 60_000);
    await store.claimSigned('live-signed', 60_000, { id: 'live', binding: 'b', ttlMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await store.cleanup(4)).toBe(4);
    expect(await store.cleanup(100)).toBe(3);
    expect(await store.cleanup(100)).toBe(0);
    const left = await db.query(`SELECT key FROM "${name}" ORDER BY key`);
    expect(left.rows.map((row: { key: string }) => row.key)).toEqual(['live', 'live-signed', 'sig:live']);
  });

  it('cleans up in the background, started by a claim once the interval has passed', async () => {
    const name = table('background');
    const store = postgresStore({ pool: db, table: name, cleanupIntervalMs: 0 });
    await store.init?.();
    await store.claim('old', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.claim('new', 60_000);
    // close() waits for a clean-up still running, so the count below is final.
    await store.close?.();
    expect(await rowCount(name)).toBe(1);
    expect(await rowCount(name, "key = 'new'")).toBe(1);
  });

  it('upgrades a table made by 0.1 (durable columns, no binding) in init()', async () => {
    const name = table('upgrade');
    await db.query(
      `CREATE TABLE "${name}" (key text PRIMARY KEY, expires_at timestamptz NOT NULL, payload text, lease_until timestamptz, done boolean NOT NULL DEFAULT false)`,
    );
    const store = postgresStore({ pool: db, table: name });
    await store.init?.();
    expect(await store.claimSigned('k', 60_000, { id: 'i', binding: 'b', ttlMs: 60_000 })).toBe('claimed');
    expect(await store.claimSigned('k2', 60_000, { id: 'i', binding: 'other', ttlMs: 60_000 })).toBe('replayed');
  });

  it('takes over an expired signature binding in the claim itself', async () => {
    const name = table('takeover');
    const store = postgresStore({ pool: db, table: name });
    await store.init?.();
    await store.claimSigned('k', 60_000, { id: 'i', binding: 'first', ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.claimSigned('k2', 60_000, { id: 'i', binding: 'second', ttlMs: 60_000 })).toBe('claimed');
    const row = await db.query(`SELECT binding FROM "${name}" WHERE key = 'sig:i'`);
    expect(row.rows).toEqual([{ binding: 'second' }]);
  });

  it('binds and claims in one statement', async () => {
    const name = table('one_statement');
    let statements = 0;
    const counting: PgQueryable = {
      query: (text, values) => {
        statements += 1;
        return db.query(text, values);
      },
    };
    const store = postgresStore({ pool: counting, table: name });
    await store.init?.();
    statements = 0;
    expect(await store.claimSigned('k', 60_000, { id: 'i', binding: 'b', ttlMs: 60_000 })).toBe('claimed');
    expect(statements).toBe(1);
  });

  it('gives the clean-up statement an index to use', async () => {
    const name = table('plans');
    await postgresStore({ pool: db, table: name }).init?.();
    const client = await db.connect();
    try {
      // With sequential scans priced out, the planner shows whether a fitting index exists at all.
      await client.query('SET enable_seqscan = off');
      const plan = async (sql: string): Promise<string> =>
        (await client.query(`EXPLAIN ${sql}`)).rows.map((row: { 'QUERY PLAN': string }) => row['QUERY PLAN']).join('\n');
      expect(await plan(`SELECT key FROM "${name}" WHERE expires_at <= now() ORDER BY expires_at LIMIT 100`)).toContain(
        `${name}_expires_at`,
      );
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });
});
