import { postgresDialect } from './postgres-dialect.js';
import { redactUrl } from './redact-url.js';
import { RedisStore } from './redis-store.js';
import { SqlStore } from './sql-store.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { StoreUnavailableError, type Store } from './store.js';

export interface OpenStoreOptions {
  /** Prefix of every key and table this store writes (a-z, 0-9, `_`, `-`; at most 32). */
  namespace: string;
  /** SQLite only: how long a writer waits for another process's lock (default 5 s). */
  busyTimeoutMs?: number;
}

const SCHEMES = 'use sqlite://<file>, redis://host:port, rediss://host:port or postgresql://user@host:port/db';

/**
 * Opens the Store named by a URL and checks that it is usable before returning:
 *
 * - `sqlite://<path>`: a file (relative paths are relative to the working directory;
 *   the parent directory is created), or `sqlite://:memory:`;
 * - `redis://…` / `rediss://…` (TLS);
 * - `postgres://…` / `postgresql://…`.
 *
 * A malformed, unsupported or unreachable URL fails with a {@link StoreUnavailableError}
 * whose message names the URL (password hidden) and what to check.
 */
export async function openStore(url: string, opts: OpenStoreOptions): Promise<Store> {
  const scheme = /^([a-z]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite':
      return SqlStore.open(
        () =>
          sqliteDialect(
            url.slice('sqlite://'.length),
            opts.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: opts.busyTimeoutMs },
          ),
        { namespace: opts.namespace },
      );
    case 'redis':
    case 'rediss':
      assertParsable(url);
      return RedisStore.open(url, { namespace: opts.namespace });
    case 'postgres':
    case 'postgresql':
      assertParsable(url);
      return SqlStore.open(() => postgresDialect(url), { namespace: opts.namespace });
    default:
      throw new StoreUnavailableError(`Unsupported STORE_URL ${JSON.stringify(redactUrl(url))}: ${SCHEMES}`);
  }
}

function assertParsable(url: string): void {
  if (!URL.canParse(url)) {
    throw new StoreUnavailableError(`STORE_URL ${JSON.stringify(redactUrl(url))} is not a valid URL: ${SCHEMES}`);
  }
}
