import type { Store } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';

/**
 * What the bot must remember about a Teams channel to post into it later, unprompted:
 * Bot Framework gives no way to reach a channel the bot has not heard from, so the
 * reference (service URL, tenant, the bot's own id) is captured when the bot is added
 * to a team or hears from a channel, and kept in the Store so it survives restarts.
 */
export interface TeamsChannel {
  /** The channel's conversation id, `19:…@thread.tacv2` (the General channel's equals the team's). */
  id: string;
  /** The channel's display name, when Teams has told us. */
  name?: string | undefined;
  teamId?: string | undefined;
  teamName?: string | undefined;
  tenantId?: string | undefined;
  /** Where the Bot Connector for this tenant answers; replies and posts go there. */
  serviceUrl: string;
  /** The bot as Teams addresses it (`28:<app id>`). */
  bot: { id: string; name?: string | undefined };
  updatedAt: string;
}

export type ChannelLookup = { ok: true; channel: TeamsChannel } | { ok: false; problem: string };

const CHANNEL = (id: string) => `teams:channel:${id}`;
const BY_NAME = (name: string) => `teams:channel-name:${name}`;
const OF_TEAM = (teamId: string) => `teams:team:${teamId}`;
const ALL = 'teams:channels';

/** Channel ids look like `19:<something>@thread.tacv2` (or `@thread.skype` for older teams). */
export const isTeamsChannelId = (s: string): boolean => /^19:[^\s;]+@thread\.[a-z0-9]+$/i.test(s);

/** Names are matched case-insensitively with runs of spaces folded, as people type them. */
const nameKey = (name: string): string => name.trim().replace(/\s+/g, ' ').toLocaleLowerCase().slice(0, 120);

/** Teams channel references in the Store, findable by id and by name. */
export class ChannelReferences {
  constructor(private readonly store: Store, private readonly clock: Clock) {}

  get(id: string): Promise<TeamsChannel | undefined> {
    return this.store.get<TeamsChannel>(CHANNEL(id));
  }

  /** All channels known, for the start-up log and for operators. */
  async list(): Promise<TeamsChannel[]> {
    const ids = await this.store.setMembers(ALL);
    const found = await Promise.all(ids.sort().map((id) => this.get(id)));
    return found.filter((c): c is TeamsChannel => !!c);
  }

  /**
   * Records or refreshes a channel. Fields not given keep their stored values (a
   * message tells us the service URL but not the channel's name). Returns the result.
   */
  async save(update: Omit<TeamsChannel, 'updatedAt'>): Promise<TeamsChannel> {
    const before = await this.get(update.id);
    const defined = Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined));
    const next: TeamsChannel = { ...before, ...defined, updatedAt: this.clock.now().toISOString() } as TeamsChannel;
    await this.store.set(CHANNEL(next.id), next);
    await this.store.setAdd(ALL, next.id);
    if (next.teamId) await this.store.setAdd(OF_TEAM(next.teamId), next.id);
    if (before?.name && before.name !== next.name) await this.store.setRemove(BY_NAME(nameKey(before.name)), next.id);
    if (next.name) await this.store.setAdd(BY_NAME(nameKey(next.name)), next.id);
    return next;
  }

  /** Forgets a channel (deleted, or the bot removed from its team). */
  async forget(id: string): Promise<void> {
    const c = await this.get(id);
    if (c?.name) await this.store.setRemove(BY_NAME(nameKey(c.name)), id);
    if (c?.teamId) await this.store.setRemove(OF_TEAM(c.teamId), id);
    await this.store.setRemove(ALL, id);
    await this.store.delete(CHANNEL(id));
  }

  /** Forgets every channel of a team (the bot was removed from it). Returns how many. */
  async forgetTeam(teamId: string): Promise<number> {
    const ids = await this.store.setMembers(OF_TEAM(teamId));
    for (const id of ids) await this.forget(id);
    return ids.length;
  }

  /**
   * Finds the channel a skill group names in the config (`groups[].teams.channel`): a
   * channel id, or a channel name as Teams showed it when the bot was added.
   */
  async resolve(target: string): Promise<ChannelLookup> {
    const hint = 'Add the Earshot app to the channel\'s team (or @mention Earshot in the channel) so Earshot can post there.';
    if (isTeamsChannelId(target)) {
      const channel = await this.get(target);
      return channel ? { ok: true, channel } : { ok: false, problem: `Earshot has not been added to a team with the Teams channel ${target}. ${hint}` };
    }
    const ids = await this.store.setMembers(BY_NAME(nameKey(target)));
    if (ids.length > 1) {
      return { ok: false, problem: `More than one Teams channel is named "${target}" (${ids.sort().join(', ')}); bind the group by channel id instead.` };
    }
    const channel = ids[0] ? await this.get(ids[0]) : undefined;
    return channel ? { ok: true, channel } : { ok: false, problem: `Earshot knows no Teams channel named "${target}". ${hint}` };
  }
}
