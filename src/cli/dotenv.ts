import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { config as dotenv } from 'dotenv';

/** Reads ./.env if present; variables already set in the environment win. */
export function loadDotEnv(file = resolve('.env')): void {
  if (existsSync(file)) dotenv({ path: file, quiet: true, override: false });
}
