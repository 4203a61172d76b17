/**
 * Opening the store for a command that only reads it (`export`, `labels`): such a command
 * names the store and namespace it read, and never creates a SQLite file that was not
 * there (an empty new file would only hide a wrong STORE_URL).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Env } from '../../config/env.js';
import { openStore } from '../../store/open-store.js';
import { redactUrl } from '../../store/redact-url.js';
import { StoreUnavailableError, type Store } from '../../store/store.js';

/** Where the offline sandbox (`earshot demo`) keeps what it did, for hints. */
export const SANDBOX_STORE = { url: 'sqlite://./data/demo.sqlite', namespace: 'sandbox' } as const;

const sandboxHint = `the sandbox (npm run demo) keeps its store in data/demo.sqlite, namespace "${SANDBOX_STORE.namespace}": set STORE_URL=${SANDBOX_STORE.url} STORE_NAMESPACE=${SANDBOX_STORE.namespace}`;

/** The store a command reads, as it says it: `sqlite://./data/earshot.sqlite, namespace "earshot"`. */
export const describeStore = (env: Pick<Env, 'STORE_URL' | 'STORE_NAMESPACE'>): string =>
  `${redactUrl(env.STORE_URL)}, namespace "${env.STORE_NAMESPACE}"`;

/** Opens the store read-side; a SQLite file that does not exist is an error, not created. */
export async function openStoreToRead(env: Pick<Env, 'STORE_URL' | 'STORE_NAMESPACE'>, command: string): Promise<Store> {
  const sqlite = /^sqlite:\/\/(.*)$/i.exec(env.STORE_URL)?.[1];
  if (sqlite !== undefined && sqlite !== ':memory:' && sqlite !== '' && !existsSync(resolve(sqlite))) {
    throw new StoreUnavailableError(
      `${command}: there is no store at ${resolve(sqlite)} (STORE_URL=${env.STORE_URL}), so there is nothing to read. `
      + `Check STORE_URL (in the environment or .env); ${sandboxHint}. (${command} reads only: it does not create a store.)`,
    );
  }
  return openStore(env.STORE_URL, { namespace: env.STORE_NAMESPACE });
}

/** Said when a store has nothing at all in its namespace: the usual cause is the wrong namespace. */
export const emptyNamespaceNote = (env: Pick<Env, 'STORE_URL' | 'STORE_NAMESPACE'>, what: string): string =>
  `note: ${describeStore(env)} has no ${what} at all. Is it the right store and namespace? `
  + `STORE_NAMESPACE is "${env.STORE_NAMESPACE}"${env.STORE_NAMESPACE === SANDBOX_STORE.namespace ? '' : `; ${sandboxHint}`}.`;
