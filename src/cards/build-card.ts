import { actorLabel } from '../domain/actor.js';
import type { Case, CaseStatus, DraftAssist } from '../domain/case.js';
import type { SlaClock, SlaClockName } from '../cases/sla.js';
import type { Mask } from '../screening/mask-personal-data.js';
import type { Card } from './card.js';
import { NETWORK_LABEL, ours, STATUS_LABEL } from './card-labels.js';
import { cardTime, CLOCK_LABEL, slaFact } from './card-time.js';
import { caseActions, type CaseActionOptions } from './case-actions.js';

export interface CardOptions extends CaseActionOptions {
  /**
   * The masking gate bound to the brand's configuration (its own published numbers are not
   * masked). Without it the card still masks, with no exceptions.
   */
  mask?: Mask | undefined;
  templateName?: (id: string) => string | undefined;
  /** Where the SLA clocks stand (computed by the caller at `now`). */
  sla?: Partial<Record<SlaClockName, SlaClock>> | undefined;
  /** The author's earlier cases, newest first (context before answering). */
  earlierCases?: ReadonlyArray<{ id: string; status: CaseStatus; createdAt: string }> | undefined;
  /** The claim lease of this case's group, if claims lapse (ms). */
  claimTimeoutMs?: number | undefined;
  /** Display names of people named by principal ref (`slack:U…`), e.g. an escalation's leads; the id otherwise. */
  names?: Readonly<Record<string, string>> | undefined;
  /** A warning about the private draft (personal data in it, allowed by privateChannel.personalData). */
  draftWarning?: string | undefined;
}

/** "Escalated by X — reason — leads: A, B": who raised it, why, and who it is for. */
export function escalationLine(e: NonNullable<Case['escalation']>, names: Readonly<Record<string, string>> = {}): string {
  const leads = e.leads.map((ref) => names[ref] ?? ref.slice(ref.indexOf(':') + 1));
  return [`Escalated by ${actorLabel(e.by)}`, ...(e.reason ? [e.reason] : []), leads.length > 0 ? `leads: ${leads.join(', ')}` : 'no lead is named for this group'].join(' — ');
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

/** The badges: priority, sentiment, intent, personal data and tags, each said once. */
function badgesOf(s: Case['screening']): string[] {
  const badges: string[] = [];
  if (s.priority !== 'normal') badges.push(`${s.priority} priority`);
  if (s.sentiment) badges.push(s.sentiment);
  if (s.intent) badges.push(s.intent);
  if (s.pii.length > 0) badges.push('personal data');
  for (const t of s.tags) badges.push(t);
  // Screening tags a post with personal data "personal-data" as well: one badge says it once.
  const seen = new Set<string>();
  return badges.filter((b) => {
    const key = b.toLowerCase().replace(/[-_\s]+/g, ' ');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Why the built-in classifier decided although screening by the model is on, in words. */
const FALLBACK_WORDS: Record<string, string> = {
  model_timeout: 'timeout', model_unavailable: 'model unavailable', model_rate_limited: 'rate limited',
  model_malformed: 'unreadable answer', model_refused: 'answer refused', budget: 'daily token budget spent',
  unknown_topic: 'unknown topic', error: 'error',
};

/** The facts: where the case stands, who has it, until when, and its SLA clocks. */
function factsOf(c: Case, opts: CardOptions): Card['facts'] {
  const s = c.screening;
  const facts: Card['facts'] = [
    { label: 'Status', value: STATUS_LABEL[c.status] },
    { label: 'Group', value: c.group },
  ];
  if (s.language) facts.push({ label: 'Language', value: languageName(s.language) });
  if (s.by === 'model') facts.push({ label: 'Screening', value: 'Screened by AI assist' });
  else if (s.by === 'built-in' && s.fallback) facts.push({ label: 'Screening', value: `AI screening fell back: ${FALLBACK_WORDS[s.fallback] ?? s.fallback}` });
  if (c.owner) facts.push({ label: 'Owner', value: actorLabel(c.owner) });
  if (c.owner && opts.claimTimeoutMs !== undefined && (c.status === 'claimed' || c.status === 'rejected')) {
    const since = c.activeAt ?? c.claimedAt ?? c.updatedAt;
    facts.push({ label: 'Claim lapses', value: `${cardTime(new Date(Date.parse(since) + opts.claimTimeoutMs).toISOString())} unless ${actorLabel(c.owner)} acts` });
  }
  if (c.assignment && !c.owner) facts.push({ label: c.assignment.mode === 'assign' ? 'Assigned to' : 'Suggested', value: actorLabel(c.assignment.to) });
  if (c.status === 'snoozed' && c.snooze) facts.push({ label: 'Snoozed until', value: cardTime(c.snooze.until) });
  if (c.status === 'ignored' && c.ignored) facts.push({ label: 'Ignored', value: `${c.ignored.reason} (${actorLabel(c.ignored.by)})` });
  if (c.private) facts.push({ label: 'Private', value: c.private.via === 'dm' ? `DM to @${c.private.to.handle}` : 'Public invitation to DM' });
  if (c.status === 'redirected' && c.redirect?.templateId) facts.push({ label: 'Moved to DM with', value: opts.templateName?.(c.redirect.templateId) ?? c.redirect.templateId });
  for (const name of ['firstResponse', 'resolution'] as const) {
    const clock = opts.sla?.[name];
    if (clock) facts.push({ label: CLOCK_LABEL[name], value: slaFact(clock) });
  }
  return facts;
}

/** The notes: why rules fired, what happened meanwhile, earlier cases, follow-ups and staff notes (unmasked). */
function notesOf(c: Case, opts: CardOptions): string[] {
  const m = c.mention;
  const s = c.screening;
  const notes: string[] = s.rulesFired.map((r) => `${r.rule}: ${r.why}`);
  if (s.pii.length > 0) notes.push('Personal data was masked. Offer the private-channel template rather than a public reply.');
  const last = c.audit[c.audit.length - 1];
  if (c.status === 'new' && last?.action === 'expire_claim') notes.push(`The claim lapsed at ${cardTime(last.at)} (${last.note ?? 'no activity'}); the case is back in the channel.`);
  if (c.status === 'new' && last?.action === 'assign' && !c.assignment) notes.push('Nobody picked this case up in time; it is back in the channel for anyone to claim.');
  if (c.status === 'new' && last?.action === 'decline' && !c.assignment) notes.push(`${actorLabel(last.actor)} declined this case at ${cardTime(last.at)}; it is in the channel for anyone to claim.`);
  if (c.escalation) notes.push(escalationLine(c.escalation, opts.names));
  const earlier = opts.earlierCases ?? [];
  if (earlier.length > 0) {
    const shown = earlier.slice(0, 5).map((e) => `#${e.id} ${STATUS_LABEL[e.status].toLowerCase()} (${e.createdAt.slice(0, 10)})`);
    notes.push(`Earlier cases from @${m.author.handle}: ${shown.join(', ')}${earlier.length > 5 ? ` and ${earlier.length - 5} more` : ''}`);
  }
  for (const f of (c.followUps ?? []).slice(-3)) notes.push(`@${m.author.handle} wrote again (${cardTime(f.at)}): ${f.text}`);
  notes.push(...similarNotes(c));
  notes.push(...privateNotes(c, opts));
  const internal = c.notes ?? [];
  for (const n of internal.slice(-3)) notes.push(`Note by ${actorLabel(n.by)}${n.movedFrom ? ` on moving the case from ${n.movedFrom}` : ''}: ${n.text}`);
  if (internal.length > 3) notes.push(`${internal.length - 3} earlier notes are in the thread.`);
  return notes;
}

/** Near-identical posts folded into the case: how many, and the newest few (Split… takes one out). */
function similarNotes(c: Case): string[] {
  if (c.duplicates === 0) return [];
  const samples = (c.similar?.samples ?? []).slice(-SIMILAR_SHOWN).reverse();
  const lines = [`+${c.duplicates} similar ${c.duplicates === 1 ? 'post' : 'posts'} folded into this case${samples.length > 0 ? '; the newest:' : ''}`];
  for (const s of samples) lines.push(`Similar: @${s.mention.author.handle} (${cardTime(s.at)}): ${s.mention.text}`);
  return lines;
}

/** Folded posts shown on a card. */
export const SIMILAR_SHOWN = 3;

/** The private conversation on the card: the latest few messages (masked with the other notes), and a warning about the private draft. */
function privateNotes(c: Case, opts: CardOptions): string[] {
  const out: string[] = [];
  if (opts.draftWarning) out.push(opts.draftWarning);
  const messages = c.private?.messages ?? [];
  if (messages.length > 3) out.push(`${messages.length - 3} earlier private messages are in the thread.`);
  for (const m of messages.slice(-3)) {
    const who = m.direction === 'in' ? `@${c.mention.author.handle}` : m.outside ? 'us (sent outside Earshot)' : `us${m.by ? ` (${actorLabel(m.by)})` : ''}`;
    out.push(`Private · ${who} · ${cardTime(m.at)}: ${m.text}`);
  }
  return out;
}

/** Builds the card for a case. Pure: same case, same card. */
export function buildCard(c: Case, opts: CardOptions): Card {
  const mask = opts.mask ?? ours;
  const m = c.mention;
  const shown = badgesOf(c.screening);
  const facts = factsOf(c, opts);
  const notes = notesOf(c, opts);

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
    actions: caseActions(c, opts),
  };
  if (c.draft) {
    const template = c.draft.templateId ? opts.templateName?.(c.draft.templateId) ?? c.draft.templateId : undefined;
    card.draft = {
      // Through the gate too: a private draft may hold personal data the policy lets through to the author.
      text: mask(c.draft.text),
      by: actorLabel(c.draft.by),
      approvals: c.approvals.map(actorLabel),
      needed: opts.approvalsNeeded,
      ...(template ? { template: c.draft.channel === 'private' ? `${template} (private message)` : template } : c.draft.channel === 'private' ? { template: 'a private message' } : {}),
      ...(c.draft.assist ? { assist: assistLine(c.draft.assist) } : {}),
      ...(c.draft.translation ? { translated: { original: mask(c.draft.translation.original), to: languageName(c.draft.translation.to) } } : {}),
    };
  }
  if (c.status === 'rejected' && c.rejection) card.rejection = { by: actorLabel(c.rejection.by), note: c.rejection.note };
  if (c.reply) card.reply = { url: c.reply.url };
  return card;
}

/** "Suggested by AI assist from templates greet; past cases c1, c2; knowledge kb/bags.md · the agent changed 12% of it." */
export function assistLine(a: DraftAssist): string {
  const from = [
    a.sources.templates.length ? `templates ${a.sources.templates.join(', ')}` : '',
    a.sources.cases.length ? `past cases ${a.sources.cases.join(', ')}` : '',
    a.sources.knowledge.length ? `knowledge ${a.sources.knowledge.join(', ')}` : '',
  ].filter(Boolean).join('; ');
  const pct = Math.round(a.changed * 100);
  const changed = pct === 0 ? 'the agent did not change it' : `the agent changed ${pct}% of it`;
  return `Suggested by AI assist${from ? ` from ${from}` : ' (no sources)'} · ${changed}.`;
}
