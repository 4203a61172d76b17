import type { WebClient } from '@slack/web-api';
import type { Actor } from '../../domain/actor.js';
import type { Logger } from '../../util/logger.js';

/**
 * Shows people by their Slack name: users.info once per person (Tier 4), cached for the
 * life of the process. On failure the actor keeps what it had (the id or username).
 */
export function slackNameResolver(log: Logger): (client: WebClient, actor: Actor) => Promise<Actor> {
  const names = new Map<string, string>();
  return async (client, actor) => {
    const cached = names.get(actor.id);
    if (cached) return { ...actor, name: cached };
    try {
      const r = await client.users.info({ user: actor.id });
      const name = r.user?.profile?.display_name || r.user?.real_name || r.user?.name;
      if (name) { names.set(actor.id, name); return { ...actor, name }; }
    } catch (e) {
      log.debug({ err: e, user: actor.id }, 'users.info failed; showing the Slack id or username');
    }
    return actor;
  };
}
