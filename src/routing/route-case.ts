import type { Config, GroupConfig } from '../config/schema.js';

/** A chat channel a skill group's cards go to. */
export interface ChannelBinding {
  platform: 'slack' | 'teams';
  /** Slack channel id, or a Teams channel id or name. */
  target: string;
}

/** The channels a skill group is bound to: Slack, Teams, or both. Pure. */
export function routeCase(group: string, config: Pick<Config, 'groups' | 'routing'>): { group: GroupConfig; channels: ChannelBinding[] } {
  const found = config.groups.find((g) => g.id === group) ?? config.groups.find((g) => g.id === config.routing.fallback);
  if (!found) throw new Error(`routing: no group "${group}" and no fallback group`);
  const channels: ChannelBinding[] = [];
  if (found.slack) channels.push({ platform: 'slack', target: found.slack.channel });
  if (found.teams) channels.push({ platform: 'teams', target: found.teams.channel });
  return { group: found, channels };
}
