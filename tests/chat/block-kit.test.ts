import { describe, expect, it } from 'vitest';
import { buildCard } from '../../src/cards/build-card.js';
import { buildMovedCard, noticeCard } from '../../src/cards/notice-card.js';
import { renderBlockKit } from '../../src/chat/slack/render-block-kit.js';
import { escapeMrkdwn } from '../../src/chat/slack/escape-mrkdwn.js';
import { safeUrl, sanitizeText } from '../../src/chat/safe-text.js';
import { decodeActionValue } from '../../src/domain/actions.js';
import type { Case } from '../../src/domain/case.js';

const NOW = '2026-01-05T10:00:00.000Z';
const mk = (text: string, patch: Partial<Case> = {}, name = 'Cust'): Case => ({
  id: '12', version: 4, status: 'new', group: 'care',
  mention: { network: 'x', source: 'x', id: '100', text, createdAt: NOW, url: 'https://x.com/i/web/status/100', author: { id: 'a1', handle: 'cust', name, followers: 12345, verified: true }, isRepost: false, isQuote: false },
  screening: { group: 'care', tags: ['baggage'], priority: 'high', drop: false, pii: [], rulesFired: [{ rule: 'lost-bags', why: "keyword 'bag'" }], secondApprover: false },
  approvals: [], createdAt: NOW, updatedAt: NOW, views: [], audit: [], duplicates: 0, ...patch,
});

/** Every piece of text Slack would parse in a rendered message. */
function allText(r: ReturnType<typeof renderBlockKit>): string[] {
  const out = [r.text];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(r.blocks);
  return out;
}

// Slack control sequences: a live link or mention starts with "<" in mrkdwn.
const PING = /<[!@#]|<https?:|<mailto:/i;

const HOSTILE = [
  'Hey <!channel> look at this',
  '<!here> <!everyone> <!subteam^S012345>',
  'cc <@U024BE7LH> and <#C024BE7LH|general>',
  'Click <https://evil.example|https://bank.example> now',
  'Mail me <mailto:x@evil.example|support@bank.example>',
  '&lt;!channel&gt; pre-escaped',
  'bidi \u202Egnp.exe\u202C and zero\u200Bwidth',
  'broken \uD800 surrogate',
  '*bold* _it_ ~strike~ `code` ```block```',
  'x'.repeat(10_000),
];

describe('Block Kit rendering of untrusted mentions', () => {
  it.each(HOSTILE.map((t) => [t.slice(0, 40), t]))('never pings or links: %s', (_label, text) => {
    const r = renderBlockKit(buildCard(mk(text, {}, text.slice(0, 50)), { approvalsNeeded: 1 }));
    for (const t of allText(r)) {
      // Our own links (built from post ids) are the only "<http" allowed.
      const withoutOurLinks = t.replace(/<https:\/\/x\.com\/i\/web\/status\/\d+\|[^>]*>/g, '');
      expect(withoutOurLinks).not.toMatch(PING);
    }
  });

  it('escapes &, < and > once, and only those', () => {
    expect(escapeMrkdwn('a & b <c> "d"')).toBe('a &amp; b &lt;c&gt; "d"');
  });

  it('stays within Block Kit limits for a 10 kB mention', () => {
    const r = renderBlockKit(buildCard(mk('é'.repeat(10_000)), { approvalsNeeded: 1 }));
    for (const b of r.blocks as unknown as Array<Record<string, unknown>>) {
      const text = (b.text as { text?: string } | undefined)?.text;
      if (text) expect(text.length).toBeLessThanOrEqual(3000);
    }
    expect(r.blocks.length).toBeLessThanOrEqual(50);
  });

  it('turns mrkdwn text off auto-linking (verbatim), and puts the post in rich text, which is never parsed', () => {
    const r = renderBlockKit(buildCard(mk('see www.evil.example', { status: 'drafted', draft: { text: 'x', by: { platform: 'slack', id: 'UA', name: 'A' }, at: NOW } }), { approvalsNeeded: 1 }));
    const blocks = r.blocks as unknown as Array<Record<string, any>>;
    expect(blocks.find((b) => b.block_id === 'draft')?.text.verbatim).toBe(true);
    const mention = blocks.find((b) => b.block_id === 'mention');
    expect(mention?.type).toBe('rich_text');
    expect(mention?.elements[1]).toEqual({ type: 'rich_text_quote', elements: [{ type: 'text', text: 'see www.evil.example' }] });
  });

  it('shows a customer\'s *bold*, _italic_, ~strike~ and `code` as written, name included', () => {
    const r = renderBlockKit(buildCard(mk('this is *bold* and _it_ ~x~ `y`', {}, '*Big* Name'), { approvalsNeeded: 1 }));
    const mention = (r.blocks as unknown as Array<Record<string, any>>).find((b) => b.block_id === 'mention')!;
    expect(mention.elements[0].elements[0]).toEqual({ type: 'text', text: '*Big* Name', style: { bold: true } });
    expect(mention.elements[0].elements[1].text).toBe(' @cust · 12k followers · verified');
    expect(mention.elements[1].elements[0].text).toBe('this is *bold* and _it_ ~x~ `y`');
    // Nothing of the post or the name is left in mrkdwn, where Slack would format it.
    expect(allText(r).join('\n')).not.toContain('bold*');
  });

  it('removes bidi overrides and zero-width spaces, repairs broken UTF-16', () => {
    expect(sanitizeText('a\u202Eb\u200Bc\uD800d')).toBe('abc\uFFFDd');
    expect(sanitizeText('👨‍👩‍👧')).toBe('👨‍👩‍👧');
  });

  it('allows only plain http(s) links', () => {
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('https://user:pw@x.example/')).toBeUndefined();
    expect(safeUrl('https://x.example/a|b>c')).toBe('https://x.example/a%7Cb%3Ec');
  });

  it('carries the case id and version on every button, with the dotted action ids', () => {
    const r = renderBlockKit(buildCard(mk('hi'), { approvalsNeeded: 1 }));
    const actions = (r.blocks as unknown as Array<Record<string, any>>).find((b) => b.type === 'actions');
    const ids = actions!.elements.map((e: { action_id: string }) => e.action_id);
    expect(ids).toEqual(['case.claim', 'case.draft', 'case.reassign', 'case.snooze', 'case.escalate', 'case.ignore', 'case.close', 'case.retag']);
    const moving = renderBlockKit(buildCard(mk('hi'), { approvalsNeeded: 1, canMove: true }));
    expect((moving.blocks as unknown as Array<Record<string, any>>).find((b) => b.type === 'actions')!.elements.map((e: { action_id: string }) => e.action_id)).toContain('case.route');
    for (const e of actions!.elements) expect(decodeActionValue(e.value)).toEqual({ caseId: '12', version: 4 });
  });

  it('shows the owner, the draft with its approvals, the rejection note and the reply link', () => {
    const lead = { platform: 'slack' as const, id: 'ULEAD', name: 'Lea' };
    const alice = { platform: 'slack' as const, id: 'UA', name: 'Alice' };
    const drafted = renderBlockKit(buildCard(mk('hi', { status: 'drafted', owner: alice, draft: { text: 'We are on it', by: alice, at: NOW, templateId: 'bags' } }), { approvalsNeeded: 1, templateName: () => 'Baggage apology' }));
    const texts = allText(drafted).join('\n');
    expect(texts).toContain('*Owner*\nAlice');
    expect(texts).toContain('*Draft reply* by Alice · from template _Baggage apology_ · approvals 0/1');
    expect(texts).toContain('>We are on it');
    const rejected = renderBlockKit(buildCard(mk('hi', { status: 'rejected', owner: alice, draft: { text: 'x', by: alice, at: NOW }, rejection: { by: lead, note: 'Warmer <!here>', at: NOW } }), { approvalsNeeded: 1 }));
    expect(allText(rejected).join('\n')).toContain('*Sent back* by Lea:\n>Warmer &lt;!here&gt;');
    const sent = renderBlockKit(buildCard(mk('hi', { status: 'sent', reply: { id: '9', url: 'https://x.com/i/web/status/9', at: NOW, text: 'x' } }), { approvalsNeeded: 1 }));
    expect(allText(sent).join('\n')).toContain('<https://x.com/i/web/status/9|View our reply>');
  });
});

describe('Block Kit cards as a newcomer reads them', () => {
  const texts = (r: ReturnType<typeof renderBlockKit>) => allText(r).join('\n');

  it('a moved card and a removed card have no author line', () => {
    const moved = renderBlockKit(buildMovedCard(mk('hi'), { to: 'Refunds', by: 'Lea' }));
    expect(texts(moved)).toContain('This case was moved to Refunds by Lea');
    expect(texts(moved)).not.toMatch(/followers|@moved/);
    const removed = renderBlockKit(noticeCard('12', 'This case was removed: erased.', { code: 'closed', label: 'Removed' }));
    expect(texts(removed)).not.toMatch(/followers|@removed/);
  });

  it('shows personal data once, whether found or tagged, and the detected language', () => {
    const pii = [{ kind: 'phone' as const, start: 0, end: 5 }];
    const r = renderBlockKit(buildCard(mk('call me', { screening: { ...mk('x').screening, tags: ['personal-data', 'baggage'], pii, language: 'fr' } }), { approvalsNeeded: 1 }));
    const badges = (r.blocks as unknown as Array<Record<string, any>>).find((b) => b.block_id === 'badges')!.elements[0].text as string;
    expect(badges.match(/personal.data/g)).toHaveLength(1);
    expect(badges).toContain('`baggage`');
    expect(texts(r)).toContain('*Language*\nFrench · fr');
  });
});
