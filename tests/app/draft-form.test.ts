/**
 * The draft form as a person meets it: the limit it states is the network's own (not the
 * chat field's 3000), on Slack and on Teams.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CaseInteractions } from '../../src/app/case-interactions.js';
import { CaseRepository } from '../../src/app/case-repository.js';
import { CaseService } from '../../src/app/case-service.js';
import { draftModal } from '../../src/chat/slack/modals.js';
import { renderTeamsDialog } from '../../src/chat/teams/render-teams-dialog.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case } from '../../src/domain/case.js';
import type { Network } from '../../src/domain/mention.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

const NOW = '2026-01-05T09:00:00.000Z';
const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'alice' };
const config = ConfigSchema.parse({
  brand: { name: 'Acme', handles: { x: ['acme'] } },
  sources: [
    { name: 'x', network: 'x', queries: ['@acme'] },
    { name: 'sky', network: 'bluesky', queries: ['acme'] },
    { name: 'toot', network: 'mastodon', queries: ['acme'] },
    { name: 'big-toot', network: 'mastodon', queries: ['acme'], options: { maxCharacters: 1000 } },
    { name: 'reddit', network: 'reddit', queries: ['acme'] },
    { name: 'blog', network: 'rss', queries: ['acme'] },
  ],
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
  routing: { fallback: 'care' },
});

let store: Store | undefined;
afterEach(async () => { await store?.close(); store = undefined; });

async function formFor(network: Network, source: string) {
  store = await openStore('sqlite://:memory:', { namespace: `form${Math.random().toString(36).slice(2, 8)}` });
  const clock = new ManualClock(Date.parse(NOW));
  const log = silentLogger();
  const outbox = new Outbox({ store, clock, log, instanceId: 'test' });
  const cases = new CaseService({ repo: new CaseRepository(store), outbox, config, clock, log, sources: new Map() });
  const c: Case = {
    id: '7', version: 0, status: 'new', group: 'care',
    mention: { network, source, id: '100', text: 'where is my bag', createdAt: NOW, url: 'https://example.com/p/100', author: { id: 'a1', handle: 'cust', name: 'Cust', followers: 10, verified: false }, isRepost: false, isQuote: false },
    screening: { group: 'care', tags: [], priority: 'normal', drop: false, pii: [], rulesFired: [], secondApprover: false },
    approvals: [], createdAt: NOW, updatedAt: NOW, views: [], audit: [], duplicates: 0,
  };
  await new CaseRepository(store).create(c);
  const opened = await new CaseInteractions({ cases, config, clock, outbox }).openForm('case.draft', { caseId: '7', version: 0 }, alice);
  if (!opened.ok) throw new Error(opened.refusal.message);
  return opened.form;
}

describe('the draft form states the network\'s own reply limit', () => {
  it.each([
    ['x', 'x', 'X allows 280 characters (every link counts 23, most emoji and CJK characters 2).', 280],
    ['bluesky', 'sky', 'Bluesky allows 300 characters (an emoji or an accented letter counts 1).', 300],
    ['mastodon', 'toot', 'Mastodon allows 500 characters (every link counts 23).', 500],
    ['mastodon', 'big-toot', 'Mastodon allows 1,000 characters (every link counts 23).', 1000],
    ['reddit', 'reddit', 'Reddit allows 10,000 characters.', 10_000],
  ] as const)('%s (source %s)', async (network, source, hint, max) => {
    const form = await formFor(network, source);
    expect(form.limitHint).toBe(hint);
    expect(form.replyLimit?.max).toBe(max);
    // Slack: the hint under the reply field.
    const view = draftModal({ meta: { caseId: form.caseId, version: form.version }, caseTitle: form.title, author: form.author, mentionText: form.mentionText, initial: form.initial, limitHint: form.limitHint });
    const input = view.blocks.find((b) => b.type === 'input') as { hint: { text: string } };
    expect(input.hint.text).toBe(hint);
    // Teams: the line under the reply field.
    const dialog = JSON.stringify(renderTeamsDialog(form));
    expect(dialog).toContain(`allows ${max.toLocaleString('en-US')} characters`);
  });

  it('a network Earshot does not reply on states no limit', async () => {
    const form = await formFor('rss', 'blog');
    expect(form.replyLimit).toBeUndefined();
    expect(form.limitHint).toBe('Keep it short and friendly.');
  });
});
