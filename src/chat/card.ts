import type { CaseActionId } from '../domain/actions.js';
import { actorLabel } from '../domain/actor.js';
import type { Case, CaseStatus } from '../domain/case.js';
import type { Network } from '../domain/mention.js';

/**
 * One platform-neutral card, rendered twice: Block Kit for Slack and an Adaptive Card
 * for Teams. Every string here is PLAIN TEXT; much of it comes from strangers on the
 * internet (the mention, the author's name). Renderers escape all of it. Only `links`
 * become live links, and the card builder only puts URLs there that Earshot built.
 */
export interface Card {
  caseId: string;
  version: number;
  /** Short fallback text for notifications and screen readers. */
  summary: string;
  title: string;
  network: Network;
  author: { name: string; handle: string; followers: number; verified: boolean };
  /** The mention's text, masked where it holds personal data. */
  text: string;
  status: { code: CaseStatus; label: string };
  badges: string[];
  facts: Array<{ label: string; value: string }>;
  /** Explanations: which rules fired and why. */
  notes: string[];
  draft?: { text: string; by: string; approvals: string[]; needed: number; template?: string };
  rejection?: { by: string; note: string };
  reply?: { url: string };
  links: Array<{ label: string; url: string }>;
  actions: Array<{ id: CaseActionId; label: string; style?: 'primary' | 'danger' }>;
}

const STATUS_LABEL: Record<CaseStatus, string> = {
  new: 'New',
  claimed: 'Claimed',
  drafted: 'Draft awaiting approval',
  rejected: 'Draft sent back',
  approved: 'Approved, ready to send',
  sending: 'Sending…',
  sent: 'Replied',
  escalated: 'Escalated',
  closed: 'Closed',
};

const NETWORK_LABEL: Record<Network, string> = {
  x: 'X', bluesky: 'Bluesky', mastodon: 'Mastodon', reddit: 'Reddit', rss: 'Web', demo: 'Demo',
};

export interface CardOptions {
  /** Approvals a draft needs before sending (from policy). */
  approvalsNeeded: number;
  /** The mention text as shown (masked where it holds personal data). */
  displayText?: string;
  /** Can replies go back through this network? */
  canReply?: boolean;
  templateName?: (id: string) => string | undefined;
}

/** Which buttons make sense in each state (the workflow still checks every click). */
function actionsFor(c: Case, opts: CardOptions): Card['actions'] {
  const canReply = opts.canReply !== false;
  const a: Card['actions'] = [];
  const push = (id: CaseActionId, label: string, style?: 'primary' | 'danger') => a.push({ id, label, ...(style ? { style } : {}) });
  switch (c.status) {
    case 'new':
      push('case.claim', 'Claim', 'primary');
      if (canReply) push('case.draft', 'Draft reply');
      push('case.escalate', 'Escalate');
      push('case.close', 'Close');
      break;
    case 'claimed':
    case 'rejected':
      if (canReply) push('case.draft', c.status === 'rejected' ? 'Redraft' : 'Draft reply', 'primary');
      push('case.release', 'Release');
      push('case.escalate', 'Escalate');
      push('case.close', 'Close');
      break;
    case 'drafted':
      push('case.approve', 'Approve', 'primary');
      push('case.reject', 'Reject', 'danger');
      if (opts.approvalsNeeded === 0) push('case.send', 'Send');
      push('case.draft', 'Edit draft');
      push('case.escalate', 'Escalate');
      push('case.close', 'Close');
      break;
    case 'approved':
      push('case.send', 'Send', 'primary');
      push('case.reject', 'Reject', 'danger');
      push('case.draft', 'Edit draft');
      push('case.close', 'Close');
      break;
    case 'sending':
      break;
    case 'escalated':
      if (!c.owner) push('case.claim', 'Claim', 'primary');
      if (canReply) push('case.draft', 'Draft reply');
      push('case.close', 'Close');
      break;
    case 'sent':
      push('case.close', 'Close', 'primary');
      push('case.reopen', 'Reopen');
      break;
    case 'closed':
      push('case.reopen', 'Reopen');
      break;
  }
  return a;
}

/** Builds the card for a case. Pure: same case, same card. */
export function buildCard(c: Case, opts: CardOptions): Card {
  const m = c.mention;
  const s = c.screening;
  const badges: string[] = [];
  if (s.priority !== 'normal') badges.push(`${s.priority} priority`);
  if (s.sentiment) badges.push(s.sentiment);
  if (s.intent) badges.push(s.intent);
  if (s.pii.length > 0) badges.push('personal data');
  for (const t of s.tags) badges.push(t);

  const facts: Card['facts'] = [
    { label: 'Status', value: STATUS_LABEL[c.status] },
    { label: 'Group', value: c.group },
  ];
  if (c.owner) facts.push({ label: 'Owner', value: actorLabel(c.owner) });
  if (c.duplicates > 0) facts.push({ label: 'Similar posts', value: String(c.duplicates) });

  const notes = s.rulesFired.map((r) => `${r.rule}: ${r.why}`);
  if (s.pii.length > 0) notes.push('Personal data was masked. Offer the private-channel template rather than a public reply.');

  const links: Card['links'] = [{ label: `Open on ${NETWORK_LABEL[m.network]}`, url: m.url }];
  if (c.reply) links.push({ label: 'View our reply', url: c.reply.url });

  const card: Card = {
    caseId: c.id,
    version: c.version,
    summary: `Case ${c.id} · ${STATUS_LABEL[c.status]} · @${m.author.handle} on ${NETWORK_LABEL[m.network]}`,
    title: `Case ${c.id} · ${NETWORK_LABEL[m.network]}`,
    network: m.network,
    author: { name: m.author.name, handle: m.author.handle, followers: m.author.followers, verified: m.author.verified },
    text: opts.displayText ?? m.text,
    status: { code: c.status, label: STATUS_LABEL[c.status] },
    badges,
    facts,
    notes,
    links,
    actions: actionsFor(c, opts),
  };
  if (c.draft) {
    const template = c.draft.templateId ? opts.templateName?.(c.draft.templateId) ?? c.draft.templateId : undefined;
    card.draft = {
      text: c.draft.text,
      by: actorLabel(c.draft.by),
      approvals: c.approvals.map(actorLabel),
      needed: opts.approvalsNeeded,
      ...(template ? { template } : {}),
    };
  }
  if (c.status === 'rejected' && c.rejection) card.rejection = { by: actorLabel(c.rejection.by), note: c.rejection.note };
  if (c.reply) card.reply = { url: c.reply.url };
  return card;
}
