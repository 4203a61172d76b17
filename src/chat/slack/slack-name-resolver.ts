import type { WebClient } from '@slack/web-api';
import type { Actor } from '../../domain/actor.js';
import type { Logger } from '../../util/logger.js';

/** Where names are shared with the other instances (the store: its get, set and set-if-absent). */
export interface SlackNameCache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  insertIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
}

export interface SlackNameResolverOptions {
  /** Shares answers (and who is asking) between instances; without it each process asks for itself. */
  cache?: SlackNameCache | undefined;
  /** How long a name is trusted before Slack is asked again (default 1 hour: people rename themselves). */
  ttlMs?: number;
  /** How long a failed lookup is not retried (default 1 minute): a burst of clicks by someone unknown makes one call. */
  failureTtlMs?: number;
  /** How long to wait for another instance that is already asking about the same person (default 2 s). */
  waitForOtherMs?: number;
  now?: () => number;
}

/** Looks a person's Slack name up: their actor with the name, or as it was when Slack could not say. */
export type SlackNameResolver = (client: WebClient, actor: Actor) => Promise<Actor>;

const NAME_KEY = (id: string) => `slack:user-name:${id}`;
const ASKING_KEY = (id: string) => `slack:user-asking:${id}`;
const POLL_MS = 50;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Shows people by their Slack name: users.info (Tier 4, about 100 a minute per workspace)
 * at most once per person per `ttlMs`. Lookups of one person at the same time share one
 * call (a burst of clicks by a few people makes a few calls); with a cache, answers are
 * shared between instances too, and only one instance asks about a person at a time
 * while the others wait for its answer (falling back to asking themselves after
 * `waitForOtherMs`). On failure the actor keeps what it had (the id or username), and the
 * failure is remembered for `failureTtlMs` so a burst does not retry it for every click.
 */
export function slackNameResolver(log: Logger, opts: SlackNameResolverOptions = {}): SlackNameResolver {
  const now = opts.now ?? Date.now;
  const ttlMs = opts.ttlMs ?? 3_600_000;
  const failureTtlMs = opts.failureTtlMs ?? 60_000;
  const known = new Map<string, { name: string | undefined; until: number }>();
  const asking = new Map<string, Promise<string | undefined>>();

  const ask = async (client: WebClient, id: string): Promise<string | undefined> => {
    try {
      const r = await client.users.info({ user: id });
      return r.user?.profile?.display_name || r.user?.real_name || r.user?.name || undefined;
    } catch (e) {
      log.debug({ err: e, user: id }, 'users.info failed; showing the Slack id or username');
      return undefined;
    }
  };

  /** The name from the shared cache, waiting a while for another instance that is asking Slack. */
  const shared = async (cache: SlackNameCache, id: string): Promise<{ name: string } | undefined> => {
    const hit = await cache.get<{ name: string }>(NAME_KEY(id));
    if (hit || (await cache.insertIfAbsent(ASKING_KEY(id), true, opts.waitForOtherMs ?? 2_000))) return hit;
    const giveUpAt = now() + (opts.waitForOtherMs ?? 2_000);
    while (now() < giveUpAt) {
      await pause(POLL_MS);
      const answer = await cache.get<{ name: string }>(NAME_KEY(id));
      if (answer) return answer;
    }
    return undefined;
  };

  const lookUp = async (client: WebClient, id: string): Promise<string | undefined> => {
    const cache = opts.cache;
    const hit = cache ? await shared(cache, id).catch(() => undefined) : undefined;
    const name = hit?.name ?? (await ask(client, id));
    if (name && !hit) await cache?.set(NAME_KEY(id), { name }, ttlMs).catch((e: unknown) => log.debug({ err: e }, 'could not share a Slack name'));
    known.set(id, { name, until: now() + (name ? ttlMs : failureTtlMs) });
    return name;
  };

  return async (client, actor) => {
    const remembered = known.get(actor.id);
    let name: string | undefined;
    if (remembered && remembered.until > now()) {
      name = remembered.name;
    } else {
      let pending = asking.get(actor.id);
      if (!pending) {
        pending = lookUp(client, actor.id).finally(() => asking.delete(actor.id));
        asking.set(actor.id, pending);
      }
      name = await pending;
    }
    return name ? { ...actor, name } : actor;
  };
}
