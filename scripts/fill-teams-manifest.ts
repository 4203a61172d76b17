/**
 * The Teams manifest in manifests/teams/manifest.json carries `${{NAME}}` placeholders for
 * what differs per installation (the Azure bot's app id, your web pages). This fills them
 * from the environment; packaging and validation share it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';

export class TeamsManifestValueError extends Error {
  readonly code = 'TEAMS_MANIFEST_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'TeamsManifestValueError';
  }
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Every placeholder, what it is, and where its default comes from. */
export const TEAMS_MANIFEST_VARS = {
  MICROSOFT_APP_ID: 'the Azure bot registration\'s Microsoft App ID (required)',
  TEAMS_APP_ID: 'the Teams app id, a GUID (default: MICROSOFT_APP_ID)',
  TEAMS_APP_VERSION: 'the app version; raise it for every upload (default: package.json version)',
  TEAMS_DEVELOPER_NAME: 'who publishes the app (default: Earshot)',
  TEAMS_WEBSITE_URL: 'an https page about your Earshot installation (required)',
  TEAMS_PRIVACY_URL: 'your privacy statement, https (default: TEAMS_WEBSITE_URL)',
  TEAMS_TERMS_URL: 'your terms of use, https (default: TEAMS_WEBSITE_URL)',
} as const;
export type TeamsManifestValues = Record<keyof typeof TEAMS_MANIFEST_VARS, string>;

/** Values for checking the manifest's shape when no real ones are at hand. */
export const SAMPLE_MANIFEST_VALUES: TeamsManifestValues = {
  MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001',
  TEAMS_APP_ID: '00000000-0000-0000-0000-000000000001',
  TEAMS_APP_VERSION: '1.0.0',
  TEAMS_DEVELOPER_NAME: 'Earshot',
  TEAMS_WEBSITE_URL: 'https://example.com/earshot',
  TEAMS_PRIVACY_URL: 'https://example.com/earshot/privacy',
  TEAMS_TERMS_URL: 'https://example.com/earshot/terms',
};

/** Reads the values from the environment, with defaults; lists every missing or malformed one at once. */
export function teamsManifestValues(env: NodeJS.ProcessEnv): TeamsManifestValues {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
  const get = (k: string) => env[k]?.trim() || undefined;
  const appId = get('MICROSOFT_APP_ID') ?? '';
  const website = get('TEAMS_WEBSITE_URL') ?? '';
  const values: TeamsManifestValues = {
    MICROSOFT_APP_ID: appId,
    TEAMS_APP_ID: get('TEAMS_APP_ID') ?? appId,
    TEAMS_APP_VERSION: get('TEAMS_APP_VERSION') ?? pkg.version,
    TEAMS_DEVELOPER_NAME: get('TEAMS_DEVELOPER_NAME') ?? 'Earshot',
    TEAMS_WEBSITE_URL: website,
    TEAMS_PRIVACY_URL: get('TEAMS_PRIVACY_URL') ?? website,
    TEAMS_TERMS_URL: get('TEAMS_TERMS_URL') ?? website,
  };
  const problems: string[] = [];
  for (const k of ['MICROSOFT_APP_ID', 'TEAMS_APP_ID'] as const) {
    if (!GUID.test(values[k])) problems.push(`${k} ${values[k] ? `is "${values[k]}", not a GUID` : 'is not set'}: ${TEAMS_MANIFEST_VARS[k]}`);
  }
  for (const k of ['TEAMS_WEBSITE_URL', 'TEAMS_PRIVACY_URL', 'TEAMS_TERMS_URL'] as const) {
    if (!/^https:\/\/\S+$/.test(values[k])) problems.push(`${k} ${values[k] ? `is "${values[k]}", not an https URL` : 'is not set'}: ${TEAMS_MANIFEST_VARS[k]}`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(values.TEAMS_APP_VERSION)) problems.push(`TEAMS_APP_VERSION is "${values.TEAMS_APP_VERSION}": use major.minor.patch`);
  if (problems.length) throw new TeamsManifestValueError(`The Teams manifest cannot be filled in:\n  - ${problems.join('\n  - ')}`);
  return values;
}

/** The manifest template as committed. */
export const readTeamsManifestTemplate = (): string => readFileSync(join(repoRoot(), 'manifests', 'teams', 'manifest.json'), 'utf8');

/** Fills every `${{NAME}}` placeholder (JSON-escaped) and parses the result. */
export function fillTeamsManifest(template: string, values: TeamsManifestValues): Record<string, unknown> {
  const unknown = new Set<string>();
  const text = template.replace(/\$\{\{\s*([A-Z0-9_]+)\s*\}\}/g, (all, name: string) => {
    if (!(name in values)) { unknown.add(name); return all; }
    return JSON.stringify(values[name as keyof TeamsManifestValues]).slice(1, -1);
  });
  if (unknown.size) throw new TeamsManifestValueError(`The Teams manifest uses unknown placeholders: ${[...unknown].join(', ')}`);
  return JSON.parse(text) as Record<string, unknown>;
}
