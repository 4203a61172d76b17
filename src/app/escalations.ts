/**
 * Where a group's leads are told about its cases (the lead channels), and the notice an
 * escalation posts there. Personal messages to the leads are the personal alerts' job.
 */
import { escalationLine } from '../cards/build-card.js';
import type { Config } from '../config/schema.js';
import { actorLabel } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import type { Outbox } from '../outbox/outbox.js';
import { enqueueDelivery } from './delivery-kinds.js';

/** A channel leads read, on one surface. */
export interface LeadTarget { platform: 'slack' | 'teams'; target: string }

/**
 * A group's lead channels: its Slack `leadChannel` (else the ops channel), and its Teams
 * `teams.leadChannel` when the group is bound to Teams. Empty when none is configured.
 */
export function leadTargets(config: Pick<Config, 'groups' | 'slack'>, group: string): LeadTarget[] {
  const g = config.groups.find((x) => x.id === group);
  const out: LeadTarget[] = [];
  const slack = g?.leadChannel ?? config.slack.opsChannel;
  if (slack) out.push({ platform: 'slack', target: slack });
  if (g?.teams?.leadChannel) out.push({ platform: 'teams', target: g.teams.leadChannel });
  return out;
}

/** Every distinct Teams lead channel of the groups bound to Teams (where the digest and ops notices also go). */
export function teamsLeadChannels(config: Pick<Config, 'groups'>): string[] {
  return [...new Set(config.groups.flatMap((g) => (g.teams?.leadChannel ? [g.teams.leadChannel] : [])))];
}

/** A link to a Slack card that any member of the channel can open. */
export const slackLink = (channel: string, ts: string) => `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;

/** The lines a lead channel gets about a case: what happened, the case in one line, where its card is. */
export function leadNoticeLines(config: Pick<Config, 'groups'>, c: Case, headline: string): string[] {
  const group = config.groups.find((g) => g.id === c.group);
  const card = c.views.find((v) => v.platform === 'slack');
  return [
    headline,
    `Case ${c.id} · ${group?.name ?? c.group} · @${c.mention.author.handle} on ${c.mention.network} · ${c.owner ? `owner ${actorLabel(c.owner)}` : 'nobody has claimed it'}`,
    ...(card && card.platform === 'slack' ? [`Card: ${slackLink(card.channel, card.ts)}`] : []),
  ];
}

/**
 * Posts `lines` to every lead channel of the case's group, durably through the outbox (one
 * lane per group, so the notices arrive in order). Returns how many channels were told.
 */
export async function postToLeads(deps: { config: Config; outbox: Outbox }, c: Case, lines: string[]): Promise<number> {
  const targets = leadTargets(deps.config, c.group);
  for (const t of targets) await enqueueDelivery(deps.outbox, 'notice.post', { ...t, text: lines.join('\n') }, { lane: `lead:${c.group}` });
  return targets.length;
}

/** The lead-channel notice of an escalation: "Escalated by X — reason — leads: A, B", then the case. */
export function escalationNotice(config: Pick<Config, 'groups'>, c: Case, names: Readonly<Record<string, string>> = {}): string[] {
  if (!c.escalation) throw new Error(`case ${c.id} has no escalation to announce`);
  return leadNoticeLines(config, c, escalationLine(c.escalation, names));
}
