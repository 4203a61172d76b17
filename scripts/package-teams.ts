/**
 * `npm run teams:package`: builds build/earshot-teams.zip, the Teams app package an admin
 * uploads (Teams admin center → Manage apps → Upload, or Teams → Apps → Upload a custom
 * app). It holds manifest.json, filled in from the environment, and the two icons.
 * Variables: see TEAMS_MANIFEST_VARS in fill-teams-manifest.ts; .env is read if present.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { config as dotenv } from 'dotenv';
import yazl from 'yazl';
import { fillTeamsManifest, readTeamsManifestTemplate, teamsManifestValues } from './fill-teams-manifest.js';
import { repoRoot, runsAsScript } from './repo-root.js';

// A fixed date: the same inputs give the same zip, byte for byte.
const MTIME = new Date('2026-01-01T00:00:00Z');

/** Writes the package; returns its path and the filled-in manifest. */
export async function packageTeams(env: NodeJS.ProcessEnv = process.env, out = join(repoRoot(), 'build', 'earshot-teams.zip')): Promise<{ file: string; manifest: Record<string, unknown> }> {
  const manifest = fillTeamsManifest(readTeamsManifestTemplate(), teamsManifestValues(env));
  const icons = join(repoRoot(), 'manifests', 'teams');
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 'manifest.json', { mtime: MTIME });
  for (const icon of ['color.png', 'outline.png']) zip.addBuffer(readFileSync(join(icons, icon)), icon, { mtime: MTIME });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, Buffer.concat(chunks));
  return { file: out, manifest };
}

if (runsAsScript(import.meta.url)) {
  const envFile = resolve('.env');
  if (existsSync(envFile)) dotenv({ path: envFile, quiet: true, override: false });
  const outArg = process.argv.indexOf('--out');
  packageTeams(process.env, outArg > 0 ? resolve(process.argv[outArg + 1] ?? '') : undefined).then(
    ({ file, manifest }) => process.stdout.write(`wrote ${file} (Teams app ${String(manifest.id)}, version ${String(manifest.version)})\n`),
    (e: unknown) => { process.stderr.write(`teams:package: ${(e as Error).message}\n`); process.exit(1); },
  );
}
