import { rejectUnknown } from '../option-checks.js';
import type { SignedClaimOutcome, SignedClaimStore } from '../store.js';

/**
 * The part of a `pg` Pool (or Client) that the store uses. Only its shape matters: this module never imports `pg`.
 */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

export interface PostgresStoreOptions {
  /** Your own `pg` Pool. The store never ends it. */
  pool: PgQueryable;
  /**
   * The table, optionally schema-qualified (`'app.suno_callbacks'`): letters, digits and underscores, at most 48
   * characters a part.
   * @default 'suno_callbacks'
   */
  table?: string;
  /**
   * `init()` creates the table and its indexes when they are missing. Set it to false when migrations own the
   * schema: `init()` then only checks that the table is there. The SQL is `postgresSchema(table)`.
   * @default true
   */
  createTable?: boolean;
  /**
   * At most one clean-up of expired keys per this many milliseconds, started by a claim and run in the background.
   * @default 60_000
   */
  cleanupIntervalMs?: number;
  /**
   * Most expired keys one clean-up deletes; a full batch lets the next claim start another one straight away.
   * @default 1000
   */
  cleanupBatch?: number;
}

/** The PostgreSQL store, plus a clean-up you can also run from a scheduled job. */
export interface PostgresStore extends SignedClaimStore {
  /** Deletes up to `limit` expired keys that hold no unfinished callback; resolves with how many went. */
  cleanup(limit?: number): Promise<number>;
}

const PART = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

interface TableName {
  /** The quoted, possibly schema-qualified name, safe to put in SQL. */
  qualified: string;
  /** The bare table name, for naming its indexes. */
  bare: string;
}

/** Table names go into SQL as identifiers (no placeholder exists for them), so only a strict shape is accepted. */
function tableName(value: unknown): TableName {
  const parts = typeof value === 'string' ? value.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((part) => PART.test(part))) {
    throw new TypeError(
      '`table` must be a table name made of letters, digits and underscores (at most 48 characters), optionally ' +
        `schema-qualified like "app.suno_callbacks"; received ${typeof value === 'string' ? JSON.stringify(value) : typeof value}.`,
    );
  }
  return { qualified: parts.map((part) => `"${part}"`).join('.'), bare: parts[parts.length - 1] as string };
}

/**
 * The SQL that `init()` runs, for teams whose migrations own the schema. Each row is one claimed key, or one
 * signature binding (key `sig:<id>`, with its `binding`); `expires_at` ends either.
 *
 * @default table 'suno_callbacks'
 * @example
 * console.log(postgresSchema('suno_callbacks')); // paste into a migration
 */
export function postgresSchema(table = 'suno_callbacks'): string {
  const { qualified, bare } = tableName(table);
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified} (`,
    '  key         text        PRIMARY KEY,',
    '  expires_at  timestamptz NOT NULL,',
    '  binding     text',
    ');',
    // Tables made by 0.1 lack the column; the durable columns they have are left alone (nullable, unused).
    `ALTER TABLE ${qualified} ADD COLUMN IF NOT EXISTS binding text;`,
    `CREATE INDEX IF NOT EXISTS "${bare}_expires_at" ON ${qualified} (expires_at);`,
  ].join('\n');
}

function nonNegativeInteger(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`\`${name}\` must be an integer of at least ${min}; received ${String(value)}.`);
  }
  return value;
}

const OPTION_NAMES = ['pool', 'table', 'createTable', 'cleanupIntervalMs', 'cleanupBatch'] as const satisfies ReadonlyArray<
  keyof PostgresStoreOptions
>;

/**
 * A store on PostgreSQL, shared by every instance of your app. A claim is one statement (an insert that also takes
 * over an expired row), and so is a claim that binds the callback's signature; expired rows are deleted in small
 * batches in the background, found through an index, never by scanning the table on the hot path.
 *
 * @example
 * import pg from 'pg';
 * import { postgresStore } from 'suno-callbacks/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const suno = sunoCallbacks({ secret, store: postgresStore({ pool }) });
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('postgresStore() takes an options object: postgresStore({ pool }).');
  }
  rejectUnknown('', options, OPTION_NAMES);
  if (typeof options.pool?.query !== 'function') {
    throw new TypeError('postgresStore() needs `pool`: a pg Pool (anything with `query(text, values)`).');
  }
  const { pool } = options;
  const table = tableName(options.table ?? 'suno_callbacks');
  const t = table.qualified;
  const createTable = options.createTable ?? true;
  const cleanupIntervalMs = nonNegativeInteger('cleanupIntervalMs', options.cleanupIntervalMs, 60_000, 0);
  const cleanupBatch = nonNegativeInteger('cleanupBatch', options.cleanupBatch, 1000, 1);

  // An advisory lock serialises two processes that create the table at once: CREATE ... IF NOT EXISTS alone can
  // still fail with a unique violation in the catalog. A parameterless query runs as one implicit transaction,
  // which holds the transaction-level lock until the last statement ends.
  const lockId = `hashtext('suno-callbacks:${t.replaceAll('"', '')}')`;
  const createSql = `SELECT pg_advisory_xact_lock(${lockId});\n${postgresSchema(options.table ?? 'suno_callbacks')}`;

  const expiry = (parameter: string): string => `now() + ${parameter}::double precision * interval '1 millisecond'`;
  const claimSql =
    `INSERT INTO ${t} AS t (key, expires_at) VALUES ($1, ${expiry('$2')}) ` +
    'ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at, binding = NULL WHERE t.expires_at <= now() RETURNING 1';
  // The binding and the claim in one statement. `bound` keeps a live binding only when it is the same one (or takes
  // over an expired row); no row back means another body or key holds the signature, and then `claimed` inserts
  // nothing, because it only runs when `bound` returned a row.
  const claimSignedSql =
    'WITH bound AS (' +
    `INSERT INTO ${t} AS t (key, expires_at, binding) VALUES ($3, ${expiry('$5')}, $4) ` +
    'ON CONFLICT (key) DO UPDATE SET ' +
    'expires_at = CASE WHEN t.expires_at <= now() THEN EXCLUDED.expires_at ELSE t.expires_at END, ' +
    'binding = EXCLUDED.binding ' +
    'WHERE t.expires_at <= now() OR t.binding = EXCLUDED.binding RETURNING 1' +
    '), claimed AS (' +
    `INSERT INTO ${t} AS t (key, expires_at) SELECT $1, ${expiry('$2')} WHERE EXISTS (SELECT 1 FROM bound) ` +
    'ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at, binding = NULL WHERE t.expires_at <= now() RETURNING 1' +
    ') SELECT EXISTS (SELECT 1 FROM bound) AS bound, EXISTS (SELECT 1 FROM claimed) AS claimed';
  const releaseSql = `DELETE FROM ${t} WHERE key = $1`;
  const cleanupSql =
    `DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t} WHERE expires_at <= now() ` +
    'ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)';

  let lastCleanup = Date.now();
  let cleaning: Promise<unknown> | undefined;
  let closed = false;

  async function cleanup(limit = cleanupBatch): Promise<number> {
    const result = await pool.query(cleanupSql, [Math.max(1, Math.floor(limit))]);
    return result.rowCount ?? 0;
  }

  function maybeCleanup(): void {
    if (closed || cleaning !== undefined || Date.now() - lastCleanup < cleanupIntervalMs) return;
    lastCleanup = Date.now();
    cleaning = cleanup()
      .then((deleted) => {
        // A full batch means more are waiting: let the next claim start another round.
        if (deleted >= cleanupBatch) lastCleanup = 0;
      })
      // A failed clean-up only delays the deletion of rows nobody reads; the next round tries again.
      .catch(() => undefined)
      .finally(() => {
        cleaning = undefined;
      });
  }

  return {
    async init() {
      if (createTable) {
        await pool.query(createSql);
        return;
      }
      await pool.query(`SELECT key, expires_at, binding FROM ${t} LIMIT 0`);
    },
    async claim(key, ttlMs) {
      const result = await pool.query(claimSql, [key, ttlMs]);
      maybeCleanup();
      return (result.rowCount ?? result.rows.length) > 0;
    },
    async claimSigned(key, ttlMs, use): Promise<SignedClaimOutcome> {
      const result = await pool.query(claimSignedSql, [key, ttlMs, `sig:${use.id}`, use.binding, use.ttlMs]);
      maybeCleanup();
      const row = result.rows[0] as { bound: boolean; claimed: boolean } | undefined;
      if (row === undefined) throw new Error('the claim statement returned no row');
      if (!row.bound) return 'replayed';
      return row.claimed ? 'claimed' : 'duplicate';
    },
    async release(key) {
      await pool.query(releaseSql, [key]);
    },
    cleanup,
    async close() {
      closed = true;
      // The pool is the caller's; only wait for a clean-up still using it.
      await cleaning;
    },
  };
}
