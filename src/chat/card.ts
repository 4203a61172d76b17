import { DateTime } from 'luxon';
import type { CaseActionId } from '../domain/actions.js';
import { actorLabel } from '../domain/actor.js';
import type { Case, CaseStatus } from '../domain/case.js';
import type { Network } from '../domain/mention.js';
import { formatBusinessTime, type SlaClock, type SlaClockName } from '../cases/sla.js';
import { maskPersonalData, NO_PUBLIC_NUMBERS, type Mask, type Masked } from '../screening/mask-personal-data.js';

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
  /**
   * The author's name went through the masking gate (people put numbers in names too).
   * Absent on a notice card (moved, removed), which speaks for Earshot, not for anyone.
   */
  author?: { name: Masked; handle: string; followers: number; verified: boolean } | undefined;
  /** The mention's text, through the masking gate. */
  text: Masked;
  status: { code: CaseStatus; label: string };
  badges: string[];
  facts: Array<{ label: string; value: string }>;
  /** Explanations (which rules fired and why), follow-ups and notes, through the masking gate. */
  notes: Masked[];
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
  snoozed: 'Snoozed',
  closed: 'Closed',
  ignored: 'Ignored',
  redirected: 'Moved to a private channel',
};

const NETWORK_LABEL: Record<Network, string> = {
  x: 'X', bluesky: 'Bluesky', mastodon: 'Mastodon', reddit: 'Reddit', rss: 'Web', demo: 'Demo',
};

export interface CardOptions {
  /** Approvals a draft needs before sending (from policy). */
  approvalsNeeded: number;
  /**
   * The masking gate bound to the brand's configuration (its own published numbers are not
   * masked). Without it the card still masks, with no exceptions.
   */
  mask?: Mask | undefined;
  /** Can replies go back through this network? */
  canReply?: boolean;
  templateName?: (id: string) => string | undefined;
  /** Where the SLA clocks stand (computed by the caller at `now`). */
  sla?: Partial<Record<SlaClockName, SlaClock>> | undefined;
  /** The author's earlier cases, newest first (context before answering). */
  earlierCases?: ReadonlyArray<{ id: string; status: CaseStatus; createdAt: string }> | undefined;
  /** The claim lease of this case's group, if claims lapse (ms). */
  claimTimeoutMs?: number | undefined;
  /** Is there a private-channel template to redirect with? */
  canRedirect?: boolean | undefined;
  /** Is there another group to move the case to? */
  canMove?: boolean | undefined;
}

/** Times on cards: `Mon 14:30 UTC`, in the zone given. */
export function cardTime(iso: string, zone = 'UTC'): string {
  const dt = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  return dt.isValid ? `${dt.toFormat('ccc d LLL HH:mm')} ${zone === 'UTC' ? 'UTC' : dt.toFormat('ZZZZ')}` : iso;
}

const CLOCK_LABEL: Record<SlaClockName, string> = { firstResponse: 'First response', resolution: 'Resolution' };

/** "due Mon 09:30 GMT · 1h 20m left", "paused (waiting on the author)", "missed by 25m"… */
export function slaFact(clock: SlaClock): string {
  switch (clock.state) {
    case 'running':
      return clock.remainingMs > 0
        ? `due ${clock.dueAt ? cardTime(clock.dueAt, clock.hours.timezone) : 'soon'} · ${formatBusinessTime(clock.remainingMs)} left`
        : `overdue by ${formatBusinessTime(clock.remainingMs)}`;
    case 'paused': return `paused, waiting on the author · ${formatBusinessTime(clock.remainingMs)} left`;
    case 'met': return 'met';
    case 'missed': return `missed by ${formatBusinessTime(clock.remainingMs)}`;
  }
}

/** Which buttons make sense in each state (the workflow still checks every click). */
function actionsFor(c: Case, opts: CardOptions): Card['actions'] {
  const canReply = opts.canReply !== false;
  const a: Card['actions'] = [];
  const push = (id: CaseActionId, label: string, style?: 'primary' | 'danger') => a.push({ id, label, ...(style ? { style } : {}) });
  const redirect = () => { if (opts.canRedirect) push('case.redirect', 'Move to DM'); };
  const move = () => { if (opts.canMove) push('case.route', 'Move to group…'); };
  switch (c.status) {
    case 'new':
      push('case.claim', 'Claim', 'primary');
      if (canReply) push('case.draft', 'Draft reply');
      push('case.reassign', 'Assign to…');
      push('case.snooze', 'Snooze');
      push('case.escalate', 'Escalate');
      redirect();
      move();
      push('case.ignore', 'Ignore');
      push('case.close', 'Close');
      break;
    case 'claimed':
    case 'rejected':
      if (canReply) push('case.draft', c.status === 'rejected' ? 'Redraft' : 'Draft reply', 'primary');
      push('case.release', 'Release');
      push('case.reassign', 'Reassign…');
      push('case.snooze', 'Snooze');
      push('case.escalate', 'Escalate');
      redirect();
      move();
      push('case.ignore', 'Ignore');
      push('case.close', 'Close');
      break;
    case 'drafted':
      push('case.approve', 'Approve', 'primary');
      push('case.reject', 'Reject', 'danger');
      if (opts.approvalsNeeded === 0) push('case.send', 'Send');
      push('case.draft', 'Edit draft');
      push('case.reassign', 'Reassign…');
      push('case.escalate', 'Escalate');
      redirect();
      push('case.close', 'Close');
      break;
    case 'approved':
      push('case.send', 'Send', 'primary');
      push('case.reject', 'Reject', 'danger');
      push('case.draft', 'Edit draft');
      push('case.reassign', 'Reassign…');
      redirect();
      push('case.close', 'Close');
      break;
    case 'sending':
      break;
    case 'escalated':
      if (!c.owner) push('case.claim', 'Claim', 'primary');
      if (canReply) push('case.draft', 'Draft reply');
      push('case.reassign', c.owner ? 'Reassign…' : 'Assign to…');
      push('case.snooze', 'Snooze');
      redirect();
      move();
      push('case.ignore', 'Ignore');
      push('case.close', 'Close');
      break;
    case 'snoozed':
      push('case.wake', 'Wake now', 'primary');
      push('case.ignore', 'Ignore');
      push('case.close', 'Close');
      break;
    case 'sent':
      push('case.close', 'Close', 'primary');
      push('case.reopen', 'Reopen');
      break;
    case 'closed':
    case 'ignored':
    case 'redirected':
      push('case.reopen', 'Reopen');
      break;
  }
  // Staff correct what screening got wrong whenever they see it; the model learns from it.
  if (c.status !== 'sending') push('case.retag', 'Correct tags…');
  return a;
}

/**
 * What a case's card becomes in a channel it left (moved to another group): where it
 * went and who moved it, without buttons and with nothing of the author (this card is no
 * longer the case's, so retention and erasure would not reach it).
 */
export function buildMovedCard(c: Case, move: { to: string; by?: string | undefined }): Card {
  const label = `Moved to ${move.to}`;
  return {
    ...noticeCard(c.id, `This case was moved to ${move.to}${move.by ? ` by ${move.by}` : ''}; it is worked from its card in that group's channel.`, { code: c.status, label }),
    version: c.version,
    title: `Case ${c.id} · ${NETWORK_LABEL[c.mention.network]}`,
    network: c.mention.network,
    facts: [{ label: 'Status', value: label }],
  };
}

/** Earshot's own words on a card go through the gate like any other (it costs nothing). */
const ours = (text: string): Masked => maskPersonalData(text, NO_PUBLIC_NUMBERS);

/** A card that only says something about a case (moved, removed): no author, no buttons. */
export function noticeCard(caseId: string, text: string, status: Card['status']): Card {
  return {
    caseId,
    version: 0,
    summary: `Case ${caseId} · ${status.label}`,
    title: `Case ${caseId} · ${status.label.toLowerCase()}`,
    network: 'demo',
    text: ours(text),
    status,
    badges: [],
    facts: [],
    notes: [],
    links: [],
    actions: [],
  };
}

const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/**
 * "French · fr": the name helps the reader, the code is what the rules' language filters use.
 * No brackets: Teams' renderer escapes them in a fact, so both surfaces carry the same text only without.
 */
export function languageName(code: string): string {
  let name: string | undefined;
  try { name = LANGUAGE_NAMES.of(code); } catch { name = undefined; }
  return name && name.toLowerCase() !== code.toLowerCase() ? `${name} · ${code}` : code;
}

/** Builds the card for a case. Pure: same case, same card. */
export function buildCard(c: Case, opts: CardOptions): Card {
  const mask = opts.mask ?? ours;
  const m = c.mention;
  const s = c.screening;
  const badges: string[] = [];
  if (s.priority !== 'normal') badges.push(`${s.priority} priority`);
  if (s.sentiment) badges.push(s.sentiment);
  if (s.intent) badges.push(s.intent);
  if (s.pii.length > 0) badges.push('personal data');
  for (const t of s.tags) badges.push(t);
  // Screening tags a post with personal data "personal-data" as well: one badge says it once.
  const seen = new Set<string>();
  const shown = badges.filter((b) => {
    const key = b.toLowerCase().replace(/[-_\s]+/g, ' ');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const facts: Card['facts'] = [
    { label: 'Status', value: STATUS_LABEL[c.status] },
    { label: 'Group', value: c.group },
  ];
  if (s.language) facts.push({ label: 'Language', value: languageName(s.language) });
  if (c.owner) facts.push({ label: 'Owner', value: actorLabel(c.owner) });
  if (c.owner && opts.claimTimeoutMs !== undefined && (c.status === 'claimed' || c.status === 'rejected')) {
    const since = c.activeAt ?? c.claimedAt ?? c.updatedAt;
    facts.push({ label: 'Claim lapses', value: `${cardTime(new Date(Date.parse(since) + opts.claimTimeoutMs).toISOString())} unless ${actorLabel(c.owner)} acts` });
  }
  if (c.assignment && !c.owner) facts.push({ label: c.assignment.mode === 'assign' ? 'Assigned to' : 'Suggested', value: actorLabel(c.assignment.to) });
  if (c.status === 'snoozed' && c.snooze) facts.push({ label: 'Snoozed until', value: cardTime(c.snooze.until) });
  if (c.status === 'ignored' && c.ignored) facts.push({ label: 'Ignored', value: `${c.ignored.reason} (${actorLabel(c.ignored.by)})` });
  if (c.status === 'redirected' && c.redirect) facts.push({ label: 'Moved to DM with', value: opts.templateName?.(c.redirect.templateId) ?? c.redirect.templateId });
  for (const name of ['firstResponse', 'resolution'] as const) {
    const clock = opts.sla?.[name];
    if (clock) facts.push({ label: CLOCK_LABEL[name], value: slaFact(clock) });
  }
  if (c.duplicates > 0) facts.push({ label: 'Similar posts', value: String(c.duplicates) });

  const notes: string[] = s.rulesFired.map((r) => `${r.rule}: ${r.why}`);
  if (s.pii.length > 0) notes.push('Personal data was masked. Offer the private-channel template rather than a public reply.');
  const last = c.audit[c.audit.length - 1];
  if (c.status === 'new' && last?.action === 'expire_claim') notes.push(`The claim lapsed at ${cardTime(last.at)} (${last.note ?? 'no activity'}); the case is back in the channel.`);
  if (c.status === 'new' && last?.action === 'assign' && !c.assignment) notes.push('Nobody picked this case up in time; it is back in the channel for anyone to claim.');
  const earlier = opts.earlierCases ?? [];
  if (earlier.length > 0) {
    const shown = earlier.slice(0, 5).map((e) => `#${e.id} ${STATUS_LABEL[e.status].toLowerCase()} (${e.createdAt.slice(0, 10)})`);
    notes.push(`Earlier cases from @${m.author.handle}: ${shown.join(', ')}${earlier.length > 5 ? ` and ${earlier.length - 5} more` : ''}`);
  }
  for (const f of (c.followUps ?? []).slice(-3)) notes.push(`@${m.author.handle} wrote again (${cardTime(f.at)}): ${f.text}`);
  const internal = c.notes ?? [];
  for (const n of internal.slice(-3)) notes.push(`Note by ${actorLabel(n.by)}: ${n.text}`);
  if (internal.length > 3) notes.push(`${internal.length - 3} earlier notes are in the thread.`);

  const links: Card['links'] = [{ label: `Open on ${NETWORK_LABEL[m.network]}`, url: m.url }];
  if (c.reply) links.push({ label: 'View our reply', url: c.reply.url });

  const card: Card = {
    caseId: c.id,
    version: c.version,
    summary: `Case ${c.id} · ${STATUS_LABEL[c.status]} · @${m.author.handle} on ${NETWORK_LABEL[m.network]}`,
    title: `Case ${c.id} · ${NETWORK_LABEL[m.network]}`,
    network: m.network,
    author: { name: mask(m.author.name), handle: m.author.handle, followers: m.author.followers, verified: m.author.verified },
    text: mask(m.text),
    status: { code: c.status, label: STATUS_LABEL[c.status] },
    badges: shown,
    facts,
    notes: notes.map(mask),
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

/**
 * The storm card: one live card standing for many mentions on one topic while a group is
 * in storm mode (see src/domain/storm.ts). Like {@link Card}, every string is PLAIN TEXT
 * and much of it comes from strangers; renderers escape all of it, and only `links` (built
 * by Earshot from post ids) become live links. Built by build-storm-card.ts; rendered by
 * each surface's renderer (Block Kit: render-storm-block-kit.ts).
 */
export interface StormCard {
  kind: 'storm';
  stormId: string;
  /** Grows with every change of the storm's state; buttons carry it (stale clicks are refused). */
  version: number;
  summary: string;
  title: string;
  status: { code: 'live' | 'calm' | 'closed'; label: string };
  /** Mentions folded into this card so far. */
  count: number;
  facts: Array<{ label: string; value: string }>;
  /** How the mentions feel, as counts. */
  sentiment: { negative: number; neutral: number; positive: number };
  /** Authors with the widest reach first. */
  topAuthors: Array<{ name: Masked; handle: string; followers: number; verified: boolean }>;
  /** A few posts, the widest reach first, through the masking gate. */
  samples: Array<{ author: Masked; handle: string; followers: number; text: Masked }>;
  reply?: { template: string; text: string; by: string; approvals: string[]; needed: number; state: string };
  links: Array<{ label: string; url: string }>;
  actions: Array<{ id: 'storm.draft' | 'storm.approve' | 'storm.discard' | 'storm.send' | 'storm.close'; label: string; style?: 'primary' | 'danger' }>;
}
