import { actorLabel } from '../domain/actor.js';
import type { Storm } from '../domain/storm.js';
import type { Mask } from '../screening/mask-personal-data.js';
import { ours } from './card-labels.js';
import type { StormCard } from './card.js';

/** An author as the storm's figures hold them: raw, masked by {@link buildStormCard}. */
export interface StormAuthor { name: string; handle: string; followers: number; verified: boolean }

export interface StormFigures {
  count: number;
  sentiment: { negative: number; neutral: number; positive: number };
  /** High-priority mentions that were folded in because the own-card budget was spent. */
  foldedHighPriority: number;
  replied: number;
  queued: number;
  skipped: number;
  topAuthors: StormAuthor[];
  samples: Array<{ author: string; handle: string; followers: number; text: string }>;
  lastAt?: string | undefined;
}

export interface StormCardOptions {
  groupName: string;
  /** Name and text of the template chosen for the storm reply. */
  template?: { name: string; text: string } | undefined;
  approvalsNeeded: number;
  /** Can the network take replies (user-context credentials)? */
  canReply: boolean;
  /** Links Earshot built (the group's search on the network, for example). */
  links?: StormCard['links'];
  /** The masking gate bound to the brand's configuration; without it, masking has no exceptions. */
  mask?: Mask | undefined;
}

const STATUS = { live: 'Storm under way', calm: 'Storm over: new mentions get their own cards again', closed: 'Closed' } as const;
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The storm card: what the channel shows for a storm. Pure: same inputs, same card. */
export function buildStormCard(storm: Storm, f: StormFigures, opts: StormCardOptions): StormCard {
  const mask = opts.mask ?? ours;
  const facts: StormCard['facts'] = [
    { label: 'Mentions', value: f.count.toLocaleString('en-US') },
    { label: 'Group', value: opts.groupName },
    { label: 'Since', value: `${storm.startedAt.replace('T', ' ').slice(0, 16)} UTC` },
    { label: 'Sentiment', value: `${f.sentiment.negative} negative · ${f.sentiment.neutral} neutral · ${f.sentiment.positive} positive` },
  ];
  if (f.lastAt) facts.push({ label: 'Latest', value: `${f.lastAt.replace('T', ' ').slice(0, 16)} UTC` });
  if (f.foldedHighPriority > 0) facts.push({ label: 'High priority folded in', value: String(f.foldedHighPriority) });
  if (f.queued > 0 || f.replied > 0) facts.push({ label: 'Replies', value: `${f.replied} posted of ${f.queued} queued${f.skipped ? ` · ${f.skipped} need a person` : ''}` });

  const actions: StormCard['actions'] = [];
  const r = storm.reply;
  if (storm.status !== 'closed') {
    if (!r || r.status === 'queued') {
      if (opts.canReply) actions.push({ id: 'storm.draft', label: r ? 'Reply to the newer ones…' : 'Reply to all…', style: 'primary' });
    } else if (r.status === 'drafted') {
      if (opts.approvalsNeeded > 0) actions.push({ id: 'storm.approve', label: 'Approve reply', style: 'primary' });
      else actions.push({ id: 'storm.send', label: `Send to ${plural(f.count - r.through, 'author')}`, style: 'primary' });
      actions.push({ id: 'storm.discard', label: 'Discard reply', style: 'danger' });
    } else if (r.status === 'approved') {
      actions.push({ id: 'storm.send', label: `Send to ${plural(f.count - r.through, 'author')}`, style: 'primary' });
      actions.push({ id: 'storm.discard', label: 'Discard reply', style: 'danger' });
    }
    actions.push({ id: 'storm.close', label: 'Close all unanswered' });
  }

  const card: StormCard = {
    kind: 'storm',
    stormId: storm.id,
    version: storm.version,
    summary: `Storm: ${plural(f.count, 'mention')} about ${storm.topic} in ${opts.groupName}`,
    title: `Storm · ${storm.topic} · ${plural(f.count, 'mention')}`,
    status: { code: storm.status, label: STATUS[storm.status] },
    count: f.count,
    facts,
    sentiment: f.sentiment,
    topAuthors: f.topAuthors.slice(0, 5).map((a) => ({ ...a, name: mask(a.name) })),
    samples: f.samples.slice(0, 3).map((p) => ({ ...p, author: mask(p.author), text: mask(p.text) })),
    links: opts.links ?? [],
    actions,
  };
  if (r && r.status !== 'queued' && opts.template) {
    const state = r.status === 'drafted' ? (opts.approvalsNeeded > 0 ? 'waiting for approval' : 'ready to send') : r.status === 'approved' ? 'approved' : 'sending';
    card.reply = {
      template: opts.template.name,
      text: opts.template.text,
      by: actorLabel(r.by),
      approvals: r.approvals.map(actorLabel),
      needed: opts.approvalsNeeded,
      state,
    };
  }
  return card;
}
