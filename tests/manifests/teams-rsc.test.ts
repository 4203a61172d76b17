import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'manifests', 'teams', 'manifest.json'), 'utf8')) as {
  webApplicationInfo?: { id: string };
  authorization?: { permissions?: { resourceSpecific?: Array<{ name: string; type: string }> } };
  bots: Array<{ botId: string }>;
};

describe('the Teams manifest and thread notes', () => {
  it('asks for resource-specific consent to read the channel messages of the teams it is added to (and nothing more)', () => {
    expect(manifest.authorization?.permissions?.resourceSpecific).toEqual([{ name: 'ChannelMessage.Read.Group', type: 'Application' }]);
    // RSC needs the app's Entra ID registration: the bot's own.
    expect(manifest.webApplicationInfo?.id).toBe(manifest.bots[0]!.botId);
  });
});
