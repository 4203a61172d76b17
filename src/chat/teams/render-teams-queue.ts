import type { PersonalQueue } from '../../app/personal-queue-model.js';
import type { Card } from '../../cards/card.js';
import type { CaseActionId } from '../../domain/actions.js';
import { clip, sanitizeText } from '../safe-text.js';
import { ADAPTIVE_CARD_SCHEMA, cardButton, plainText, textBlock, type AdaptiveCard, type AdaptiveElement } from './render-adaptive-card.js';
import { renderSummaryCard } from './render-teams-message.js';

/**
 * The personal queue in a Teams 1:1 chat (`my queue`, `approvals`): the same lists as
 * Slack's App Home (src/chat/slack/render-home-view.ts), each case with the card's own
 * buttons. Pure. Every text from outside is a TextRun (never parsed as Markdown).
 */
export type QueueView = 'all' | 'approvals';
export const QUEUE_VIEWS: readonly QueueView[] = ['all', 'approvals'];

/** The verb of the card's refresh (Universal Actions): the queue as it is now, for its owner. */
export const QUEUE_REFRESH = 'queue.refresh';

/** How much of the post a row quotes, and how many of the card's buttons it shows (the card in the channel has the rest). */
const POST_PREVIEW = 200;
const ROW_BUTTONS = 3;
/** Teams refuses messages over about 28 KB: the lists are cut to fit well under it. */
const CARD_BUDGET = 24_000;

/** The buttons that open a Teams dialog (as on the case card). */
const DIALOG: ReadonlySet<CaseActionId> = new Set(['case.draft', 'case.reject', 'case.snooze', 'case.ignore', 'case.reassign', 'case.redirect', 'case.route', 'case.retag', 'case.split', 'case.escalate']);

/** Untrusted text as one TextRun (never parsed), styled on the run, where Adaptive Cards allow it. */
const run = (text: string, max: number, style: AdaptiveElement = {}, block: AdaptiveElement = {}): AdaptiveElement => ({
  type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: clip(sanitizeText(text), max), ...style }], ...block,
});
const SUBTLE = { isSubtle: true };

function caseRow(card: Card, view: QueueView, extra?: string): AdaptiveElement {
  const data = { caseId: card.caseId, version: card.version, queue: view };
  const actions = card.actions.slice(0, ROW_BUTTONS).map((a) => cardButton({ id: a.id, label: a.label, style: a.style, dialog: DIALOG.has(a.id), data }));
  return {
    type: 'Container',
    separator: true,
    items: [
      run(`${card.summary}${extra ? ` · ${extra}` : ''}`, 300, { weight: 'Bolder' }),
      run(card.text.replace(/\s+/g, ' '), POST_PREVIEW, SUBTLE, { spacing: 'Small' }),
      ...(actions.length > 0 ? [{ type: 'ActionSet', actions }] : []),
    ],
  };
}

function list(title: string, rows: AdaptiveElement[], total: number, empty: string): AdaptiveElement[] {
  const out: AdaptiveElement[] = [textBlock(title, { weight: 'Bolder', size: 'Medium', spacing: 'Large' })];
  if (rows.length === 0) out.push(run(empty, 200, SUBTLE));
  out.push(...rows);
  if (total > rows.length) out.push(run(`…and ${total - rows.length} more: type queue to list every open case.`, 200, SUBTLE));
  return out;
}

function body(q: PersonalQueue, view: QueueView, max: number): AdaptiveElement[] {
  const approvals = list('Waiting for my approval', q.approvals.slice(0, max).map((c) => caseRow(c, view)), q.counts.approvals, 'No draft is waiting for you.');
  if (view === 'approvals') return approvals;
  return [
    ...list('My cases', q.mine.slice(0, max).map((c) => caseRow(c, view)), q.counts.mine, 'You have no open cases.'),
    ...approvals,
    ...list('At risk of breaching the SLA', q.atRisk.slice(0, max).map((x) => caseRow(x.card, view, x.due)), q.counts.atRisk, 'Nothing you can take is near its SLA.'),
    ...(q.figures ? [{ type: 'Container', separator: true, spacing: 'Large', items: renderSummaryCard(q.figures.layout, q.figures.footer).body }] : []),
  ];
}

/**
 * `my queue` (view `all`): my cases, the drafts waiting for my approval, the cases at risk,
 * and the team's figures for those who may see them; `approvals`: the drafts alone.
 * `notice` is what the last click did (or why it was refused), shown on top. `userId` (the
 * person's Bot Framework id) makes Teams refresh the card for them when they look at it.
 */
export function renderTeamsQueue(q: PersonalQueue, view: QueueView, updatedAt: string, opts: { notice?: { text: string; refused: boolean } | undefined; userId?: string | undefined } = {}): AdaptiveCard {
  const head: AdaptiveElement[] = [textBlock(view === 'all' ? 'My queue' : 'Drafts waiting for my approval', { weight: 'Bolder', size: 'Large', style: 'heading' })];
  if (opts.notice) head.push({ type: 'Container', style: opts.notice.refused ? 'attention' : 'good', items: [plainText(opts.notice.text, {}, 1000)] });
  const foot = run(`Updated ${updatedAt.slice(0, 16).replace('T', ' ')} UTC. The cards in the channels are the full story.`, 200, SUBTLE, { spacing: 'Large' });
  let card: AdaptiveCard | undefined;
  // Fewer rows per list until the card fits (a list still says how many more there are).
  for (let max = 8; max >= 1; max -= 1) {
    card = {
      type: 'AdaptiveCard',
      $schema: ADAPTIVE_CARD_SCHEMA,
      version: '1.5',
      body: [...head, ...body(q, view, max), foot],
      ...(opts.userId ? { refresh: { action: { type: 'Action.Execute', title: 'Refresh', verb: QUEUE_REFRESH, data: { queue: view } }, userIds: [opts.userId] } } : {}),
      fallbackText: view === 'all' ? 'My queue' : 'Drafts waiting for my approval',
      msteams: { width: 'Full' },
    };
    if (JSON.stringify(card).length <= CARD_BUDGET) break;
  }
  return card!;
}

/**
 * The card the bot sends when a person adds it for themselves (first contact in the
 * personal scope): what reaches them here and how to use the chat. Its buttons send the
 * commands as the person (imBack), exactly as if typed.
 */
export function renderTeamsWelcome(): AdaptiveCard {
  const command = (title: string, text: string): AdaptiveElement => ({ type: 'Action.Submit', title, data: { msteams: { type: 'imBack', value: text } } });
  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: '1.5',
    body: [
      textBlock('Welcome to Earshot', { weight: 'Bolder', size: 'Large', style: 'heading' }),
      textBlock('This chat is yours alone. Earshot tells you here when something needs **you**: a case offered to you (**Accept** or **Decline**), a draft waiting for your approval (**Approve** or **Send back**), your draft sent back, an SLA reminder or a lapsed claim on your case, and an escalation when you are a lead. Each message is updated in place and loses its buttons once it is done.'),
      textBlock('Type **my queue** for your cases, the drafts waiting for your approval and the cases near their SLA, each with its buttons; **approvals** for the drafts alone.'),
      textBlock('**notify off**, **notify on** and **notify quiet 18:00-08:00** set your alerts; **help** lists every command.', { isSubtle: true }),
    ],
    actions: [command('My queue', 'my queue'), command('Approvals', 'approvals'), command('Help', 'help')],
    fallbackText: 'Welcome to Earshot: type my queue, approvals or help.',
  };
}
