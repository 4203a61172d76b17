import { createServer, type Server } from 'node:http';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseChoice } from '../../src/app/case-interactions.js';
import { choiceModal, parseChoiceSubmission } from '../../src/chat/slack/slack-choices.js';
import { SlackDirectory } from '../../src/chat/slack/slack-directory.js';
import { parseThreadReply, underBotMessage } from '../../src/chat/slack/slack-thread-notes.js';
import { keepThreadNote } from '../../src/app/thread-notes.js';
import { draftModal, mayReplaceReply, TEMPLATE_PICK, TEMPLATE_SWITCH_NOTE, typedReply } from '../../src/chat/slack/modals.js';
import { silentLogger } from '../../src/util/logger.js';
import { maskPersonalData, NO_PUBLIC_NUMBERS } from '../../src/screening/mask-personal-data.js';

describe('thread replies become notes', () => {
  const base = { type: 'message', channel: 'C0CARE0001', user: 'U0AGENT001', text: 'called them', ts: '1700000002.000200', thread_ts: '1700000000.000100' };
  it.each([
    ['a person replying under a card', base, true],
    ['a top-level message', { ...base, thread_ts: undefined }, false],
    ['the thread parent itself', { ...base, thread_ts: base.ts }, false],
    ['Earshot\'s own note (bot_id)', { ...base, bot_id: 'B0BOT0001' }, false],
    ['Earshot\'s own user', { ...base, user: 'U0BOT0001' }, false],
    ['an edit', { ...base, subtype: 'message_changed' }, false],
    ['an empty reply', { ...base, text: '  ' }, false],
    ['not a message at all', { type: 'reaction_added' }, false],
  ])('%s', (_n, event, kept) => {
    const r = parseThreadReply(event, 'U0BOT0001', '2026-01-05T09:00:00.000Z');
    expect(!!r).toBe(kept);
    if (r) expect(r).toEqual({ card: { platform: 'slack', channel: 'C0CARE0001', ts: '1700000000.000100' }, id: 'slack:C0CARE0001:1700000002.000200', text: 'called them', user: 'U0AGENT001', at: '2026-01-05T09:00:00.000Z' });
  });
});

describe('choice modals', () => {
  const choice: CaseChoice = {
    action: 'case.reassign', caseId: '12', version: 3, title: 'Case 12', label: 'Hand the case to',
    options: [{ value: 'slack:U0BOB', label: 'Bob <@channel>' }], anyPerson: true, submit: 'Reassign',
  };

  it('renders a select, a person picker and keeps the case and version', () => {
    const view = choiceModal(choice, 'C0CARE0001');
    expect(JSON.parse(view.private_metadata)).toEqual({ caseId: '12', version: 3, action: 'case.reassign', channel: 'C0CARE0001' });
    const types = view.blocks.map((b) => (b.element as { type?: string } | undefined)?.type ?? b.type);
    expect(types).toEqual(['context', 'static_select', 'users_select']);
    // Option labels are plain text: nothing in them is parsed as a mention.
    expect(JSON.stringify(view.blocks[1])).toContain('"type":"plain_text"');
  });

  it('reads the answer back from a submission, and refuses a tampered one', () => {
    const submission = (meta: string, values: Record<string, unknown>) => ({ type: 'view_submission', user: { id: 'U0LEAD0001', name: 'lea' }, view: { private_metadata: meta, state: { values } } });
    const ok = parseChoiceSubmission(submission(choiceModal(choice, 'C1').private_metadata, { choice: { option: { type: 'static_select', selected_option: { value: 'slack:U0BOB' } } }, person: { user: { type: 'users_select', selected_user: null } } }));
    expect(ok).toMatchObject({ ok: true, option: 'slack:U0BOB', meta: { caseId: '12', version: 3, action: 'case.reassign' }, actor: { id: 'U0LEAD0001' } });
    const person = parseChoiceSubmission(submission(choiceModal(choice, 'C1').private_metadata, { person: { user: { type: 'users_select', selected_user: 'U0CAROL' } } }));
    expect(person).toMatchObject({ ok: true, person: 'U0CAROL' });
    expect(parseChoiceSubmission(submission(JSON.stringify({ caseId: '12', version: 3, action: 'case.delete' }), {})).ok).toBe(false);
    expect(parseChoiceSubmission({ type: 'block_actions' }).ok).toBe(false);
  });
});

describe('the draft modal offers templates', () => {
  it('puts a template select above the reply, with the current one chosen, and a fresh input id when refilled', () => {
    const view = draftModal({
      meta: { caseId: '1', version: 0, templateId: 'bags' }, caseTitle: 'Case 1', mentionText: maskPersonalData('hi', NO_PUBLIC_NUMBERS), author: '@a', initial: 'Hello', limitHint: 'short',
      templates: [{ id: 'general', name: 'General' }, { id: 'bags', name: 'Baggage apology' }], fill: 'bags.x1',
    });
    const picker = view.blocks.find((b) => b.type === 'actions') as { elements: Array<Record<string, any>> };
    expect(picker.elements[0]).toMatchObject({ type: 'static_select', action_id: TEMPLATE_PICK, initial_option: { value: 'bags' } });
    const input = view.blocks.find((b) => b.type === 'input') as { block_id: string; element: { action_id: string; initial_value: string } };
    expect(input.block_id).toBe('reply');
    expect(input.element).toMatchObject({ action_id: 'text~bags.x1', initial_value: 'Hello' });
    const plain = draftModal({ meta: { caseId: '1', version: 0 }, caseTitle: 'Case 1', mentionText: maskPersonalData('hi', NO_PUBLIC_NUMBERS), author: '@a', initial: '', limitHint: 'short' });
    expect(plain.blocks.some((b) => b.type === 'actions')).toBe(false);
  });
});

describe('switching templates in the draft modal keeps what was typed', () => {
  const base = { meta: { caseId: '1', version: 0, templateId: 'bags' }, caseTitle: 'Case 1', mentionText: maskPersonalData('hi', NO_PUBLIC_NUMBERS), author: '@a', limitHint: 'short', templates: [{ id: 'general', name: 'General' }, { id: 'bags', name: 'Baggage apology' }] };

  it('reads the reply field back from the view state, whatever its fill', () => {
    expect(typedReply({ reply: { 'text~bags.x1': { type: 'plain_text_input', value: 'Mine' } } })).toEqual({ text: 'Mine', fill: 'bags.x1' });
    expect(typedReply({ reply: { text: { type: 'plain_text_input', value: null } } })).toEqual({ text: '', fill: undefined });
    expect(typedReply({ template: {} })).toBeUndefined();
  });

  it('replaces the reply only when it is empty or still a text the modal put there', () => {
    const previous = 'Hi Cust, sorry about your bag.';
    expect(mayReplaceReply(undefined, [previous])).toBe(true);
    expect(mayReplaceReply('  ', [previous])).toBe(true);
    expect(mayReplaceReply('Hi Cust, sorry about your bag.\r\n', [previous])).toBe(true);
    expect(mayReplaceReply('Hi Cust, so sorry about your bag. I checked and', [previous])).toBe(false);
    expect(mayReplaceReply('My own words', [undefined, 'The draft it opened on'])).toBe(false);
    expect(mayReplaceReply('The draft it opened on', [undefined, 'The draft it opened on'])).toBe(true);
  });

  it('says what switching does, and keeps the field (same action id) with the template shown to copy from', () => {
    const view = draftModal({ ...base, initial: 'My own words', fill: 'bags.x1', kept: { template: 'General', text: 'Hello from the general template' } });
    const input = view.blocks.find((b) => b.type === 'input') as { element: { action_id: string; initial_value: string } };
    expect(input.element).toMatchObject({ action_id: 'text~bags.x1', initial_value: 'My own words' });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain(TEMPLATE_SWITCH_NOTE);
    expect(text).toContain('Your reply was kept');
    expect(text).toContain('Hello from the general template');
    // Without templates there is nothing to switch, and nothing to say about it.
    expect(JSON.stringify(draftModal({ ...base, templates: [], initial: '' }).blocks)).not.toContain(TEMPLATE_SWITCH_NOTE);
  });
});

describe('SlackDirectory: user groups and presence through the Web API', () => {
  let server: Server;
  let url: string;
  const calls: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const method = req.url!.replace('/api/', '');
        const args = new URLSearchParams(body);
        calls.push(`${method}:${args.get('usergroup') ?? args.get('user')}`);
        res.setHeader('content-type', 'application/json');
        if (method === 'usergroups.users.list') {
          if (args.get('usergroup') === 'S0BROKEN') return res.end(JSON.stringify({ ok: false, error: 'no_such_subteam' }));
          return res.end(JSON.stringify({ ok: true, users: ['U0AGENT001', 'U0AGENT002'] }));
        }
        if (method === 'users.getPresence') return res.end(JSON.stringify({ ok: true, presence: args.get('user') === 'U0AWAY' ? 'away' : 'active' }));
        res.end(JSON.stringify({ ok: false, error: 'unknown_method' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/`;
  });
  afterAll(async () => { await new Promise((r) => server.close(r)); });

  it('answers group membership from usergroups.users.list, cached, and treats a broken group as empty', async () => {
    let t = 0;
    const client = new WebClient('xoxb-test', { slackApiUrl: url, retryConfig: { retries: 0 } });
    const dir = new SlackDirectory(client, ['slack-group:S0AGENTS', 'slack-group:S0BROKEN'], silentLogger(), { now: () => t });
    expect(await dir.groupsOf({ platform: 'slack', id: 'U0AGENT001' })).toEqual(['slack-group:S0AGENTS']);
    expect(await dir.groupsOf({ platform: 'slack', id: 'U0STRANGER' })).toEqual([]);
    expect(await dir.groupsOf({ platform: 'teams', id: 'x' })).toEqual([]);
    expect(calls.filter((c) => c === 'usergroups.users.list:S0AGENTS')).toHaveLength(1);
    t = 301_000;
    expect((await dir.membersOf('slack-group:S0AGENTS')).map((a) => a.id)).toEqual(['U0AGENT001', 'U0AGENT002']);
    expect(calls.filter((c) => c === 'usergroups.users.list:S0AGENTS')).toHaveLength(2);
  });

  it('reads presence: away is unavailable, active is available', async () => {
    const client = new WebClient('xoxb-test', { slackApiUrl: url, retryConfig: { retries: 0 } });
    const dir = new SlackDirectory(client, [], silentLogger());
    expect(await dir.isAvailable({ platform: 'slack', id: 'U0AWAY' })).toBe(false);
    expect(await dir.isAvailable({ platform: 'slack', id: 'U0HERE' })).toBe(true);
  });
});

describe('a reply that arrives before its card is recorded', () => {
  const reply = { card: { platform: 'slack' as const, channel: 'C0CARE0001', ts: '1700000000.000100' }, id: 'slack:C0CARE0001:1700000002.000200', text: 'called them', by: { platform: 'slack' as const, id: 'U0AGENT001' }, at: '2026-01-05T09:00:00.000Z' };
  // The card is posted, and recorded on its case 300 ms later: the reply was written at once.
  const casesRecordingLate = () => {
    const recordedAt = Date.now() + 300;
    const applied: string[] = [];
    const cases = {
      caseForCard: async () => (Date.now() >= recordedAt ? '12' : undefined),
      apply: async (id: string) => { applied.push(id); return { ok: true } as never; },
    };
    return { cases: cases as never, applied };
  };

  it('is kept once the card is known, when it hangs under a bot message', async () => {
    const { cases, applied } = casesRecordingLate();
    await keepThreadNote(cases, reply, { waitForCardMs: 2000, stepMs: 50 });
    expect(applied).toEqual(['12']);
  });

  it('is let go at once under a message that is not the bot\'s (no wait)', async () => {
    const { cases, applied } = casesRecordingLate();
    expect(await keepThreadNote(cases, reply)).toBeUndefined();
    expect(applied).toEqual([]);
  });

  it('knows a reply under the bot\'s message from Slack\'s parent_user_id', () => {
    const event = { type: 'message', channel: 'C0CARE0001', user: 'U0AGENT001', text: 'x', ts: '2.0', thread_ts: '1.0', parent_user_id: 'U0BOT0001' };
    expect(underBotMessage(event, 'U0BOT0001')).toBe(true);
    expect(underBotMessage({ ...event, parent_user_id: 'U0OTHER01' }, 'U0BOT0001')).toBe(false);
  });
});
