import type { KeyvStoreAdapter } from 'keyv';

/** One result row, by column name. */
export type SqlRow = Record<string, unknown>;

/** A piece of SQL with the parameters its placeholders stand for, in order. */
export interface SqlPart {
  sql: string;
  params: unknown[];
}

/** A column of rows sent in one parameter set (see {@link SqlSyntax.selectRows}). */
export interface SqlColumn {
  name: string;
  type: 'text' | 'integer' | 'float';
}

/**
 * The few pieces of SQL whose syntax differs between the databases: constants and pure
 * functions, one object per database (`sqliteSyntax`, `postgresSyntax`), the same for
 * every connection.
 */
export interface SqlSyntax {
  readonly kind: 'sqlite' | 'postgres';
  /** Keyv's table, as Keyv's own adapter for this database names it. */
  readonly keyvTable: string;
  /** Column types: a whole number up to 2^63, a double. */
  readonly types: { integer: string; float: string };
  /**
   * `CREATE … TABLE` for a table whose rows may be lost in a crash (the shared API limits:
   * a lost pace only lets one call start early): PostgreSQL's UNLOGGED skips the
   * write-ahead log, so each call's reservation does not wait for a disk flush.
   */
  readonly volatileTable: string;
  /** The LIMIT value that means "no limit". */
  readonly noLimit: number | null;
  /**
   * SQL for "now" in epoch milliseconds when the database has a clock every instance
   * shares (leases judged by it); undefined when the host's clock is the one to use (the
   * store binds `Date.now()` as a parameter instead).
   */
  readonly serverNowMs: string | undefined;
  /**
   * Like {@link serverNowMs} but one value for the whole statement, so a statement can
   * use it twice and return it (shared API limits); undefined where the store binds the
   * host's `Date.now()` instead.
   */
  readonly statementNowMs: string | undefined;

  /**
   * The placeholder of the `n`-th parameter (from 1); a number may be used several
   * times. A plain function (no `this`), so callers may keep it in a variable.
   */
  readonly param: (n: number) => string;
  /** Parameter `n`, typed as a double where the database cannot infer it. */
  float(n: number): string;
  /** Parameter `n`, typed as a whole number where the database cannot infer it. */
  integer(n: number): string;
  /** The larger of two numeric expressions. */
  greatest(a: string, b: string): string;
  /** `column` ordered by the bytes of its UTF-8 text (as Redis orders members), whatever the database's collation. */
  byteOrder(column: string): string;
  /** The number `expires` of the Keyv JSON text in `column` (NULL when absent). */
  jsonExpires(column: string): string;
  /** `column` is one of `values`, bound from parameter `first`. */
  inList(column: string, values: readonly string[], first: number): SqlPart;
  /**
   * A SELECT of one row per tuple of `rows`, columns named as `columns`, in the tuples'
   * order, bound from parameter `first`, ready to follow `INSERT INTO t (columns)` and
   * precede `ON CONFLICT`.
   */
  selectRows(columns: readonly SqlColumn[], rows: ReadonlyArray<readonly unknown[]>, first: number): SqlPart;
}

/**
 * What the SQL store needs from one database: how to run a statement and the few pieces
 * of SQL whose syntax differs. Everything the databases share — tables, upserts
 * (`INSERT … ON CONFLICT … DO UPDATE … RETURNING`, which both SQLite ≥ 3.35 and
 * PostgreSQL ≥ 9.5 accept with a table alias: https://www.sqlite.org/lang_upsert.html,
 * https://www.postgresql.org/docs/current/sql-insert.html), conditional updates — is
 * written once in the store (src/store/sql-store.ts and its parts); a dialect holds only
 * what differs: its {@link SqlSyntax} and its connection(s).
 */
export interface SqlDialect extends SqlSyntax {
  /** How long `ping` waits for an answer; undefined: as long as it takes. */
  readonly pingTimeoutMs: number | undefined;

  /** Runs one statement (its own transaction) and gives back its rows. */
  query(sql: string, params?: readonly unknown[]): Promise<SqlRow[]>;
  /** Creates the tables if missing (`CREATE … IF NOT EXISTS` statements), safely against other instances doing the same. */
  createTables(statements: readonly string[]): Promise<void>;
  /** Keyv's adapter on the same connection(s), built once the tables exist; its `disconnect` closes them. */
  keyvStore(): KeyvStoreAdapter;
  /** What to tell the operator when the database could not be opened or prepared. */
  openFailure(err: unknown): string;
  /** Closes the connection(s) when opening failed before Keyv took them over. */
  close(): Promise<void>;
}
