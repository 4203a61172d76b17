import { describe, expect, it } from 'vitest';
import { cardFor } from '../../src/cards/card-for.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Case } from '../../src/domain/case.js';
import type { MentionSource } from '../../src/sources/mention-source.js';

const NOW = '2026-01-05T10:00:00.000Z';
const base = `
brand: { name: Acme }
sources: [{ name: web, network: rss, queries: [acme], options: { feeds: ['https://forum.example/feed'] } }, { name: x1, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: C0CARE0001 } }]
routing: { fallback: care }
`;
const withPrivate = parseConfig(`${base}templates: [{ id: dm, name: Move to DM, private: true, text: 'Please DM us' }]\n`);
const withoutPrivate = parseConfig(base);

const source = (name: string, canReply: boolean): MentionSource => ({
  name, network: canReply ? 'x' : 'rss', canReply,
  poll: async () => ({ mentions: [], cursor: undefined, requests: 0 }),
  reply: async () => { throw new Error('unused'); }, findReply: async () => undefined, checkReply: () => undefined,
});
const sources = new Map([['web', source('web', false)], ['x1', source('x1', true)]]);

const mk = (src: string, pii: Case['screening']['pii'] = []): Case => ({
  id: '3', version: 0, status: 'new', group: 'care',
  mention: { network: src === 'web' ? 'rss' : 'x', source: src, id: '1', text: 'card 4111 1111 1111 1111', createdAt: NOW, url: 'https://forum.example/t/1', author: { id: 'a', handle: 'h', name: 'N', followers: 0, verified: false }, isRepost: false, isQuote: false },
  screening: { group: 'care', tags: [], priority: 'normal', drop: false, pii, rulesFired: [], secondApprover: false },
  approvals: [], createdAt: NOW, updatedAt: NOW, views: [], audit: [], duplicates: 0,
});

const ids = (c: ReturnType<typeof cardFor>) => c.actions.map((a) => a.id);

describe('cardFor', () => {
  it('offers only "open" and "move to a private channel" on a network that cannot reply', () => {
    const card = cardFor(mk('web'), { config: withPrivate, sources });
    expect(ids(card)).toContain('case.redirect');
    expect(ids(card)).not.toContain('case.draft');
    expect(card.links[0]!.url).toBe('https://forum.example/t/1');
  });

  it('offers the private-channel playbook for personal data, and masks it', () => {
    const card = cardFor(mk('x1', [{ kind: 'card_number', start: 5, end: 24 }]), { config: withPrivate, sources });
    expect(ids(card)).toContain('case.redirect');
    expect(card.text).toBe('card [card number]');
  });

  it('does not offer a redirect without a private template, nor for an ordinary public post', () => {
    expect(ids(cardFor(mk('web'), { config: withoutPrivate, sources }))).not.toContain('case.redirect');
    expect(ids(cardFor(mk('x1'), { config: withPrivate, sources }))).not.toContain('case.redirect');
  });
});
