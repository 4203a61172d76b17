import type { CaseActionId } from '../domain/actions.js';
import { actorLabel } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import type { AlertKind } from '../cases/alerts.js';
import type { Mask, Masked } from '../screening/mask-personal-data.js';
import { languageName } from './build-card.js';
import { NETWORK_LABEL, STATUS_LABEL } from './card-labels.js';

/**
 * A personal alert (the screen-pop): a direct message from the bot to one person about
 * one case. Every text went through the masking gate. Its buttons are the case card's
 * own actions, carrying the case id and the version, so a click from the DM goes the same
 * way as a click on the card (same policy, same refusal of a stale click).
 */
export interface AlertCard {
  kind: AlertKind;
  caseId: string;
  version: number;
  /** What is asked of the person, in Earshot's words. */
  title: Masked;
  /** Short fallback text for notifications. */
  summary: Masked;
  /** Who wrote the post, and where. */
  source: Masked;
  /** The post itself. */
  text: Masked;
  /** The draft, the note sent back, the reminder: whatever the person needs to act. */
  details: Masked[];
  /** False once the thing stopped pending: the alert then says so and has no buttons. */
  open: boolean;
  actions: Array<{ id: CaseActionId; label: string; style?: 'primary' | 'danger' }>;
  /** The case's card in its channel. */
  link?: { label: string; url: string } | undefined;
}

export interface AlertCardOptions {
  mask: Mask;
  /** Still pending for this person? */
  open: boolean;
  /** The one-off event's own words (an SLA reminder, a lapsed claim). */
  note?: string | undefined;
  link?: { label: string; url: string } | undefined;
  /** AI assist's brief of the case (approval and escalation alerts), shown labelled as AI-written. */
  brief?: string | undefined;
}

const TITLE: Record<AlertKind, (c: Case) => string> = {
  assignment: (c) => (c.assignment?.mode === 'suggest' ? `Case ${c.id} is suggested for you` : `Case ${c.id} is assigned to you`),
  approval: (c) => `A draft reply on case ${c.id} is waiting for your approval`,
  sentBack: (c) => `Your draft on case ${c.id} was sent back`,
  sla: (c) => `Case ${c.id} needs you soon`,
  escalation: (c) => `Case ${c.id} was escalated to you`,
};

const ACTIONS: Record<AlertKind, (c: Case) => AlertCard['actions']> = {
  assignment: () => [{ id: 'case.claim', label: 'Accept', style: 'primary' }, { id: 'case.decline', label: 'Decline', style: 'danger' }],
  approval: () => [{ id: 'case.approve', label: 'Approve', style: 'primary' }, { id: 'case.reject', label: 'Send back', style: 'danger' }],
  sentBack: () => [{ id: 'case.draft', label: 'Redraft', style: 'primary' }],
  sla: () => [],
  escalation: (c) => (c.owner ? [] : [{ id: 'case.claim', label: 'Claim', style: 'primary' }]),
};

/** What the alert says once it no longer asks anything of the person. */
function closedLine(c: Case, kind: AlertKind): string {
  const who = c.audit[c.audit.length - 1]?.actor;
  const by = who && who.platform !== 'system' ? ` (last change by ${actorLabel(who)})` : '';
  if (kind === 'assignment' && c.owner) return `No longer waiting for you: ${actorLabel(c.owner)} has the case.`;
  if (kind === 'assignment' && c.assignment) return `No longer waiting for you: the case is now offered to ${actorLabel(c.assignment.to)}.`;
  if (kind === 'assignment' && c.declined?.length && c.status === 'new') return `No longer waiting for you: ${actorLabel(c.declined.at(-1)!)} declined it, and it is in the channel for anyone to claim.`;
  return `No longer waiting for you: the case is now ${STATUS_LABEL[c.status].toLowerCase()}${by}.`;
}

/** The alert of `kind` about `c` for one person, as it should read now. Pure. */
export function buildAlertCard(c: Case, kind: AlertKind, opts: AlertCardOptions): AlertCard {
  const m = opts.mask;
  const details: string[] = [];
  if (opts.note) details.push(opts.note);
  if (opts.brief && opts.open) details.push(`AI-written brief: ${opts.brief}`);
  if (kind === 'approval' && c.draft) details.push(`Draft by ${actorLabel(c.draft.by)}: ${c.draft.text}`);
  if (kind === 'approval' && c.draft?.translation) details.push(`AI translation into ${languageName(c.draft.translation.to)}; ${actorLabel(c.draft.by)} wrote: ${c.draft.translation.original}`);
  if (kind === 'sentBack' && c.rejection) details.push(`${actorLabel(c.rejection.by)} sent it back: ${c.rejection.note}`);
  if (kind === 'escalation' && c.escalation?.reason) details.push(`Reason: ${c.escalation.reason}`);
  if (!opts.open) details.push(closedLine(c, kind));
  const title = TITLE[kind](c);
  return {
    kind,
    caseId: c.id,
    version: c.version,
    title: m(title),
    summary: m(opts.open ? `${title}: @${c.mention.author.handle} on ${NETWORK_LABEL[c.mention.network]}` : `${title} (done)`),
    source: m(`${c.mention.author.name || c.mention.author.handle} @${c.mention.author.handle} on ${NETWORK_LABEL[c.mention.network]} · ${STATUS_LABEL[c.status]}`),
    text: m(c.mention.text),
    details: details.map(m),
    open: opts.open,
    actions: opts.open ? ACTIONS[kind](c) : [],
    link: opts.link,
  };
}
