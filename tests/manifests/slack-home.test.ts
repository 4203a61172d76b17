import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = join(__dirname, '..', '..');

interface SlackManifest {
  features: { app_home?: { home_tab_enabled?: boolean } };
  settings: { event_subscriptions: { bot_events: string[] } };
}

const manifest = parseYaml(readFileSync(join(ROOT, 'manifests', 'slack', 'manifest.yml'), 'utf8')) as SlackManifest;
/** The Events API events the bot's listeners subscribe to (`app.event('<name>', …)`) and the message events thread notes read. */
const listened = readFileSync(join(ROOT, 'src', 'chat', 'slack', 'home-listener.ts'), 'utf8').match(/app\.event\('([a-z_]+)'/g)?.map((m) => m.slice(11, -1)) ?? [];

describe('the Slack manifest and App Home', () => {
  it('enables the Home tab', () => {
    expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
  });

  it('subscribes to every event the home listener handles, app_home_opened among them', () => {
    expect(listened).toEqual(['app_home_opened']);
    for (const e of listened) expect(manifest.settings.event_subscriptions.bot_events).toContain(e);
  });
});
