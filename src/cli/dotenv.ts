import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { config as dotenv } from 'dotenv';

/** Reads ./.env if present; variables already set in the environment win. Returns the file read, if any. */
export function loadDotEnv(file = resolve('.env')): string | undefined {
  if (!existsSync(file)) return undefined;
  dotenv({ path: file, quiet: true, override: false });
  return file;
}

/** How messages name where the environment came from. */
export const envSource = (dotenvFile: string | undefined): string =>
  dotenvFile ? `the environment with ${dotenvFile}` : 'the environment (no .env file)';
