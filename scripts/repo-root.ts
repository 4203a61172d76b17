import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest folder above this file that holds package.json. Works
 * for the TypeScript sources (scripts/) and the build (dist/scripts/) alike.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'manifests'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('could not find the repository root (a folder with package.json and manifests/)');
    dir = up;
  }
}

/** True when the module at `metaUrl` was started directly (`tsx scripts/x.ts`), not imported. */
export function runsAsScript(metaUrl: string): boolean {
  return !!process.argv[1] && resolve(process.argv[1]) === fileURLToPath(metaUrl);
}
