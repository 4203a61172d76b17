import type { WebClient } from '@slack/web-api';
import type { Availability, PeopleDirectory } from '../../app/people-directory.js';
import type { Actor } from '../../domain/actor.js';
import type { Logger } from '../../util/logger.js';

interface Cached<T> { value: T; at: number }

/**
 * Slack's answers about people, cached: which user groups (subteams) someone is in
 * (usergroups.users.list, Tier 2, scope `usergroups:read`) and whether they are online
 * (users.getPresence, Tier 3, scope `users:read`). Errors never block work: an
 * unreadable group counts as empty, unknown presence as available.
 */
export class SlackDirectory implements PeopleDirectory, Availability {
  private readonly groups = new Map<string, Cached<string[]>>();
  private readonly presence = new Map<string, Cached<boolean>>();

  constructor(
    private readonly client: WebClient,
    /** The `slack-group:S…` principals the configuration names. */
    private readonly named: readonly string[],
    private readonly log: Logger,
    private readonly opts: { groupTtlMs?: number; presenceTtlMs?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private async users(principal: string): Promise<string[]> {
    const hit = this.groups.get(principal);
    if (hit && this.now() - hit.at < (this.opts.groupTtlMs ?? 300_000)) return hit.value;
    const usergroup = principal.slice('slack-group:'.length);
    try {
      const r = await this.client.usergroups.users.list({ usergroup });
      const value = r.users ?? [];
      this.groups.set(principal, { value, at: this.now() });
      return value;
    } catch (e) {
      this.log.warn({ err: e, usergroup }, 'could not read a Slack user group; treating it as empty');
      return hit?.value ?? [];
    }
  }

  async groupsOf(actor: Actor): Promise<string[]> {
    if (actor.platform !== 'slack') return [];
    const out: string[] = [];
    for (const g of this.named) if ((await this.users(g)).includes(actor.id)) out.push(g);
    return out;
  }

  async membersOf(principal: string): Promise<Actor[]> {
    if (!principal.startsWith('slack-group:')) return [];
    return (await this.users(principal)).map((id) => ({ platform: 'slack' as const, id }));
  }

  async isAvailable(actor: Actor): Promise<boolean> {
    if (actor.platform !== 'slack') return true;
    const hit = this.presence.get(actor.id);
    if (hit && this.now() - hit.at < (this.opts.presenceTtlMs ?? 60_000)) return hit.value;
    try {
      const r = await this.client.users.getPresence({ user: actor.id });
      const value = r.presence !== 'away';
      this.presence.set(actor.id, { value, at: this.now() });
      return value;
    } catch (e) {
      this.log.debug({ err: e, user: actor.id }, 'users.getPresence failed; counting the person as available');
      return true;
    }
  }
}
