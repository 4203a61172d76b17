import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` on a fresh machine: nothing fetched from outside the registry, and no warning.
 * The SQLite driver is compiled here (prebuild-install must not download a binary), npm
 * knows every setting the project gives it, and every dependency that runs an install
 * script has been reviewed in `allowScripts`.
 */
const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { hasInstallScript?: boolean; version?: string }>;
};

describe('install settings', () => {
  it('builds sqlite3 from source through prebuild-install\'s own settings file, not an npm setting npm warns about', () => {
    const rc = readFileSync(join(ROOT, '.prebuild-installrc'), 'utf8');
    expect(rc).toMatch(/^buildFromSource=true$/m);
    expect(existsSync(join(ROOT, '.npmrc'))).toBe(false);
  });

  it('reviews, in allowScripts, every dependency whose install script npm would run', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith('node_modules/') && p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    const unreviewed = withScripts.filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean');
    expect(unreviewed).toEqual([]);
    expect(pkg.allowScripts?.sqlite3).toBe(true);
  });
});
