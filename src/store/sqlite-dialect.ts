import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import type { SqlColumn, SqlDialect, SqlPart, SqlRow, SqlSyntax } from './sql-dialect.js';
import { StoreUnavailableError } from './store.js';

/** Keyv's default table name, so a plain `new KeyvSqlite(uri)` sees the same rows. */
const KEYV_TABLE = 'keyv';
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface SqliteDialectOptions {
  /** How long a writer waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

type Query = (sql: string, params?: readonly unknown[]) => Promise<SqlRow[]>;

// ?NNN: numbered parameters, so one value can be used twice in a statement, as with
// PostgreSQL's $N (https://www.sqlite.org/lang_expr.html#varparam).
const param = (n: number): string => `?${n}`;

/** What SQLite's SQL spells its own way (PostgreSQL's is `postgresSyntax`, in postgres-dialect.ts). */
const sqliteSyntax: SqlSyntax = {
  kind: 'sqlite',
  keyvTable: KEYV_TABLE,
  // SQLite stores any whole number in up to 8 bytes under INTEGER, doubles under REAL
  // (https://www.sqlite.org/datatype3.html).
  types: { integer: 'INTEGER', float: 'REAL' },
  // With WAL and synchronous=NORMAL a commit does not wait for the disk already.
  volatileTable: 'TABLE',
  // A negative LIMIT means no limit (https://www.sqlite.org/lang_select.html#limitoffset).
  noLimit: -1,
  serverNowMs: undefined,
  statementNowMs: undefined,
  param,
  // SQLite's types follow the values, so a bound number needs no cast.
  float: param,
  integer: param,
  // max() with two or more arguments is SQLite's scalar maximum (https://www.sqlite.org/lang_corefunc.html#max_scalar).
  greatest: (a, b) => `max(${a}, ${b})`,
  // SQLite's default collation, BINARY, already compares the bytes (memcmp).
  byteOrder: (column) => column,
  jsonExpires: (column) => `json_extract(${column}, '$.expires')`,
  // A list travels as one JSON parameter: no limit on bound variables.
  inList: (column, values, first) => ({
    sql: `${column} IN (SELECT value FROM json_each(${param(first)}))`,
    params: [JSON.stringify(values)],
  }),
  selectRows,
};

/**
 * The rows travel as one JSON array of arrays, read back with json_each (in array
 * order). "WHERE true" resolves SQLite's parsing ambiguity between INSERT…SELECT and
 * ON CONFLICT (https://www.sqlite.org/lang_upsert.html, "Parsing Ambiguity").
 */
function selectRows(columns: readonly SqlColumn[], rows: ReadonlyArray<readonly unknown[]>, first: number): SqlPart {
  const picks = columns.map((c, i) => `json_extract(value, '$[${i}]') AS ${c.name}`);
  return {
    sql: `SELECT ${picks.join(', ')} FROM json_each(${param(first)}) WHERE true`,
    params: [JSON.stringify(rows)],
  };
}

/**
 * SQLite for the SQL store: one file (or `:memory:`), reached through Keyv's SQLite
 * adapter, whose connection every statement shares. SQLite serialises writers, so a
 * single statement is atomic across connections and processes; the busy timeout makes
 * the others wait instead of failing.
 *
 * Several processes may open the same file: the database runs in WAL mode so readers do
 * not block the writer. Times (TTL, leases) come from this host's clock, which is the
 * only clock a single-file database can have.
 *
 * Opens (creating if needed) the database file at `path` — relative to the working
 * directory, or `:memory:`.
 */
export async function sqliteDialect(path: string, opts: SqliteDialectOptions = {}): Promise<SqlDialect> {
  const inMemory = path === ':memory:';
  const where = inMemory ? 'an in-memory SQLite database' : `the SQLite database at ${resolve(path)}`;
  if (path.length === 0) {
    throw new StoreUnavailableError('STORE_URL sqlite:// needs a file path, e.g. sqlite://./data/earshot.sqlite');
  }
  if (!inMemory) {
    try {
      await mkdir(dirname(resolve(path)), { recursive: true });
    } catch (err) {
      throw new StoreUnavailableError(
        `Cannot create the directory for ${where}: check that the path is right and writable (${(err as Error).message})`,
        { cause: err },
      );
    }
  }
  const adapter = new KeyvSqlite({
    uri: `sqlite://${path}`,
    table: KEYV_TABLE,
    busyTimeout: opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
  });
  // The adapter waits for its connection and its table before running anything. An
  // array binds its values to the numbered placeholders ?1, ?2… in order.
  const query: Query = async (sql, params = []) => (await adapter.query(sql, params)) as SqlRow[];

  return {
    ...sqliteSyntax,
    // In-process: a query cannot be lost on a network.
    pingTimeoutMs: undefined,
    query,
    createTables: (statements) => createTables(query, inMemory, statements),
    keyvStore: () => adapter,
    openFailure: (err) =>
      `Cannot open ${where}: check that the file is a SQLite database and that its directory is writable (${(err as Error).message})`,
    close: () => adapter.disconnect(),
  };
}

async function createTables(query: Query, inMemory: boolean, statements: readonly string[]): Promise<void> {
  if (!inMemory) {
    // WAL lets readers in other processes go on while one writes; the setting is
    // stored in the file, so every later connection uses it too.
    await query('PRAGMA journal_mode = WAL');
    // With WAL, NORMAL syncs at checkpoints instead of on every commit: a killed process
    // loses nothing (commits are in the WAL), only a power cut may lose the last ones.
    // FULL made every small write wait for the disk (milliseconds each; the outbox and the
    // metrics rollups write many), which capped ingest at a few mentions per second.
    await query('PRAGMA synchronous = NORMAL');
  }
  // No transaction needed: CREATE … IF NOT EXISTS is safe to repeat, and SQLite runs
  // one schema change at a time.
  for (const statement of statements) await query(statement);
}
