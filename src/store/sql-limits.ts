import { checkStoreInput } from './check-store-input.js';
import type { SqlDialect, SqlRow } from './sql-dialect.js';
import type { WindowTake } from './store.js';

/**
 * Shared API limits on a SQL database (the Store's `reservePace`, `holdPace` and
 * `takeFromWindow`), one row per limit in the namespace's limits table, each changed by a
 * single upsert so that instances on one database never spend the same slot twice:
 * PostgreSQL locks the row, SQLite serialises writers (across processes sharing the
 * file too). Rows are keyed `pace:<name>` and `window:<name>`. A pace's row holds the earliest next start (`at`, epoch ms); a window's
 * row holds the window's start (`at`) and the calls taken in it (`n`).
 *
 * "Now" is the database server's (one value per statement) on PostgreSQL, so instances
 * on hosts whose clocks drift apart share one timeline; this host's on SQLite.
 */
export class SqlLimits {
  constructor(
    private readonly d: SqlDialect,
    private readonly table: string,
  ) {}

  /** The statement's "now" and its parameters: the server's, or this host's bound as the next parameter. */
  private now(params: unknown[]): string {
    return this.d.statementNowMs ?? this.d.integer(params.push(Date.now()));
  }

  async reservePace(name: string, intervalMs: number): Promise<number> {
    const d = this.d;
    const params: unknown[] = [`pace:${checkStoreInput.name('Pace name', name)}`, checkStoreInput.interval(intervalMs)];
    const now = this.now(params);
    // The new start is the later of the row's next start and now; the row moves one
    // interval past it (excluded.at is now + interval).
    const rows = await d.query(
      `INSERT INTO ${this.table} AS l (k, at, n) VALUES (${d.param(1)}, ${now} + ${d.float(2)}, 0)
       ON CONFLICT (k) DO UPDATE SET at = ${d.greatest(`l.at + ${d.float(2)}`, 'excluded.at')}
       RETURNING at, ${now} AS now`,
      params,
    );
    const row = rows[0];
    if (!row) throw new Error(`reserving a start on ${name} returned no row`);
    return Math.max(0, Number(row.at) - intervalMs - Number(row.now));
  }

  async holdPace(name: string, ms: number): Promise<void> {
    const d = this.d;
    const params: unknown[] = [`pace:${checkStoreInput.name('Pace name', name)}`, checkStoreInput.hold(ms)];
    const now = this.now(params);
    await d.query(
      `INSERT INTO ${this.table} AS l (k, at, n) VALUES (${d.param(1)}, ${now} + ${d.float(2)}, 0)
       ON CONFLICT (k) DO UPDATE SET at = ${d.greatest('l.at', 'excluded.at')}`,
      params,
    );
  }

  async takeFromWindow(name: string, limit: number, windowMs: number, count = 1): Promise<WindowTake> {
    const d = this.d;
    const w = checkStoreInput.window(limit, windowMs, count);
    const params: unknown[] = [`window:${checkStoreInput.name('Window name', name)}`, w.windowMs, w.limit, w.count];
    const now = this.now(params);
    // A row of an earlier window starts the new one; a row of this window counts on, if
    // the calls fit. A host whose clock lags (SQLite only) counts into the newer window.
    const rows = await d.query(
      `INSERT INTO ${this.table} AS l (k, at, n) VALUES (${d.param(1)}, ${now} - ${now} % ${d.integer(2)}, ${d.integer(4)})
       ON CONFLICT (k) DO UPDATE SET
         n = CASE WHEN excluded.at > l.at THEN excluded.n ELSE l.n + excluded.n END,
         at = ${d.greatest('l.at', 'excluded.at')}
       WHERE excluded.at > l.at OR l.n + excluded.n <= ${d.integer(3)}
       RETURNING at, n, ${now} AS now`,
      params,
    );
    if (rows[0]) return windowFigures(rows[0], w, true);
    const look: unknown[] = [params[0]];
    const lookNow = this.now(look);
    const seen = await d.query(`SELECT at, n, ${lookNow} AS now FROM ${this.table} WHERE k = ${d.param(1)}`, look);
    if (!seen[0]) throw new Error(`the window ${name} refused calls but has no row`);
    return windowFigures(seen[0], w, false);
  }
}

/** What is left of the window a row describes, as seen at the row's "now". */
function windowFigures(row: SqlRow, w: { limit: number; windowMs: number }, taken: boolean): WindowTake {
  const now = Number(row.now);
  const start = now - (now % w.windowMs);
  const used = Number(row.at) >= start ? Number(row.n) : 0;
  return { taken, remaining: Math.max(0, w.limit - used), resetInMs: start + w.windowMs - now };
}
