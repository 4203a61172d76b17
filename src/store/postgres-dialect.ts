import KeyvPostgres, { type KeyvPostgresOptions } from '@keyv/postgres';
import pg from 'pg';
import { redactUrl } from './redact-url.js';
import type { SqlColumn, SqlDialect, SqlPart, SqlRow, SqlSyntax } from './sql-dialect.js';

/** Keyv's default schema and table, so a plain `new KeyvPostgres({ uri })` sees the same rows. */
const KEYV_SCHEMA = 'public';
const KEYV_TABLE = 'keyv';
const CONNECT_TIMEOUT_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;

/** Serialises schema changes of every Earshot instance on the server (CREATE TABLE IF NOT EXISTS races otherwise). */
const SCHEMA_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('earshot.store.schema'))";

/** Array types of the columns sent with {@link selectRows}. */
const ARRAY_TYPES: Record<SqlColumn['type'], string> = { text: 'text[]', integer: 'bigint[]', float: 'double precision[]' };

/**
 * @keyv/postgres keeps one module-global pg.Pool (for the last URI it saw) and ends it
 * on any adapter's `disconnect()`, which would close every other store in the process.
 * This adapter runs Keyv's queries on a pool the store owns instead, and ends only that.
 */
function keyvPostgresOnPool(pool: pg.Pool, options: KeyvPostgresOptions): KeyvPostgres {
  class OwnPoolKeyvPostgres extends KeyvPostgres {
    override async connect(): Promise<(sql: string, values?: unknown[]) => Promise<SqlRow[]>> {
      return async (sql, values) => (await pool.query(sql, values)).rows as SqlRow[];
    }

    override async disconnect(): Promise<void> {
      await pool.end();
    }
  }
  return new OwnPoolKeyvPostgres(options);
}

/**
 * Creates Keyv's table and the namespace's own tables if missing. Concurrent
 * `CREATE TABLE IF NOT EXISTS` can still fail with a unique violation in PostgreSQL,
 * so creation runs under an advisory lock; a violation from an unlocked creator
 * (another process's Keyv adapter) means the table now exists, and one retry settles it.
 */
async function createTables(pool: pg.Pool, statements: readonly string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await createTablesOnce(pool, statements);
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== '23505' || attempt >= 3) throw err;
    }
  }
}

async function createTablesOnce(pool: pg.Pool, statements: readonly string[]): Promise<void> {
  // One client for the whole transaction: the pool would spread statements over connections.
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(SCHEMA_LOCK_SQL);
    // Same definition as @keyv/postgres creates.
    await client.query(`CREATE TABLE IF NOT EXISTS ${KEYV_SCHEMA}.${KEYV_TABLE} (key VARCHAR(255) PRIMARY KEY, value TEXT)`);
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

const param = (n: number): string => `$${n}`;

/** What PostgreSQL's SQL spells its own way (SQLite's is `sqliteSyntax`, in sqlite-dialect.ts). */
const postgresSyntax: SqlSyntax = {
  kind: 'postgres',
  keyvTable: `${KEYV_SCHEMA}.${KEYV_TABLE}`,
  types: { integer: 'BIGINT', float: 'DOUBLE PRECISION' },
  // Not written to the WAL, and emptied after a crash (https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-UNLOGGED).
  volatileTable: 'UNLOGGED TABLE',
  // LIMIT NULL means no limit (https://www.postgresql.org/docs/current/queries-limit.html).
  noLimit: null,
  // Milliseconds since the epoch on the database server: instances on hosts whose
  // clocks drift apart still agree on who holds a lease. clock_timestamp() is the time
  // it is read (now() is when the transaction started).
  serverNowMs: '(extract(epoch FROM clock_timestamp()) * 1000)::bigint',
  // now() is when the statement's own transaction started: one value wherever the
  // statement uses it (https://www.postgresql.org/docs/current/functions-datetime.html).
  statementNowMs: '(extract(epoch FROM now()) * 1000)::bigint',
  param,
  // Explicit types rather than ones PostgreSQL infers from a parameter's use: a sum of
  // two values (the lease's expiry) gives it nothing to infer from
  // (https://www.postgresql.org/docs/current/typeconv-oper.html).
  float: (n) => `${param(n)}::double precision`,
  integer: (n) => `${param(n)}::bigint`,
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  // The database's collation may order text by language rules; "C" compares the bytes
  // (https://www.postgresql.org/docs/current/collation.html).
  byteOrder: (column) => `${column} COLLATE "C"`,
  // The value column is TEXT (as Keyv defines it): parsed as json to read one field.
  jsonExpires: (column) => `(${column}::json ->> 'expires')::double precision`,
  // A list travels as one array parameter: no limit on bound variables.
  inList: (column, values, first) => ({ sql: `${column} = ANY(${param(first)}::text[])`, params: [values] }),
  selectRows,
};

/**
 * The rows travel as one array parameter per column, unnested side by side; WITH
 * ORDINALITY and ORDER BY keep the callers' order, so concurrent batches lock their rows
 * in the same order (https://www.postgresql.org/docs/current/functions-array.html).
 */
function selectRows(columns: readonly SqlColumn[], rows: ReadonlyArray<readonly unknown[]>, first: number): SqlPart {
  const names = columns.map((c) => c.name).join(', ');
  const arrays = columns.map((c, i) => `${param(first + i)}::${ARRAY_TYPES[c.type]}`).join(', ');
  return {
    sql: `SELECT ${names} FROM unnest(${arrays}) WITH ORDINALITY AS u(${names}, i) ORDER BY i`,
    params: columns.map((_, i) => rows.map((r) => r[i])),
  };
}

/**
 * PostgreSQL for the SQL store, for several instances sharing one database: a pool the
 * store owns, shared with Keyv's adapter (table `public.keyv`). Leases are judged by the
 * server's clock.
 */
export function postgresDialect(url: string): SqlDialect {
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle pooled connection that breaks (server restart) is reported here and
  // replaced on the next query; queries in flight still reject. Without a listener
  // Node would treat the event as an uncaught exception and exit.
  pool.on('error', () => undefined);

  return {
    ...postgresSyntax,
    // A server that stops answering must not hold up a readiness probe.
    pingTimeoutMs: PING_TIMEOUT_MS,
    query: async (sql, params = []) => (await pool.query(sql, [...params])).rows as SqlRow[],
    createTables: (statements) => createTables(pool, statements),
    // Built after the tables exist: the adapter issues its own CREATE TABLE when constructed.
    keyvStore: () => keyvPostgresOnPool(pool, { uri: url, schema: KEYV_SCHEMA, table: KEYV_TABLE }),
    openFailure: (err) =>
      `Cannot use PostgreSQL at ${redactUrl(url)}: check that the server is running and reachable, ` +
      `and that the user, password and database in STORE_URL are right (${(err as Error).message})`,
    close: () => pool.end(),
  };
}
