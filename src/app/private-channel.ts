import type { Config } from '../config/schema.js';
import type { Case } from '../domain/case.js';
import { describePii, findPii } from '../screening/find-pii.js';
import type { MentionSource } from '../sources/mention-source.js';
import { signHandoffToken, tokensIn, verifyHandoffToken } from './handoff-token.js';

/** What the card and the Move to DM form say about how a private message will reach the author. */
export type PrivateRoute =
  | { via: 'dm' }
  | { via: 'invitation'; reason: string };

/**
 * How Move to DM reaches this case's author: a first direct message when the network and
 * the account's access allow starting one, else a public reply inviting a DM. Once the
 * author has written privately, the conversation exists, and we answer there.
 */
export async function privateRoute(c: Case, sources: ReadonlyMap<string, MentionSource>): Promise<PrivateRoute> {
  const pm = sources.get(c.mention.source)?.private;
  if (!pm) return { via: 'invitation', reason: `${c.mention.network} has no private messages in Earshot` };
  if (c.private?.messages.some((m) => m.direction === 'in')) return { via: 'dm' };
  const access = await pm.access();
  return access.canStart ? { via: 'dm' } : { via: 'invitation', reason: access.reason };
}

/** The words the card and the form use for a route. */
export const routeWords = (route: PrivateRoute, handle: string): string =>
  route.via === 'dm' ? `Private: DM to @${handle}` : `Public invitation to DM (${route.reason})`;

/** The secure hand-off for a configuration and the secret from the environment. */
export class Handoff {
  constructor(private readonly config: Config, private readonly secret: string | undefined) {}

  get configured(): boolean {
    return !!this.config.privateChannel.handoff && !!this.secret;
  }

  /** Does the policy allow this case the hand-off only (privateChannel.handoff.only)? */
  only(c: Pick<Case, 'group' | 'screening'>): boolean {
    const only = this.config.privateChannel.handoff?.only;
    if (!only) return false;
    return only.groups.includes(c.group) || (!!c.screening.topic && only.topics.includes(c.screening.topic));
  }

  /** A fresh signed token for the case, or undefined when the hand-off is not set up. */
  token(caseId: string, nowMs: number): string | undefined {
    const h = this.config.privateChannel.handoff;
    return h && this.secret ? signHandoffToken(this.secret, caseId, nowMs, h.ttl) : undefined;
  }

  /** Does the text carry a valid, unexpired hand-off token of this case? */
  carries(caseId: string, text: string, nowMs: number): boolean {
    const secret = this.secret;
    if (!secret) return false;
    return tokensIn(text).some((t) => {
      try { return verifyHandoffToken(secret, t, nowMs).case === caseId; } catch { return false; }
    });
  }
}

/**
 * The checks of a private message's text for a case: the network's private rules, and
 * personal data as privateChannel.personalData says (a private message goes to the author
 * alone, so by default it is only a warning, shown on the card).
 */
export function privateCheck(c: Case, config: Config, sources: ReadonlyMap<string, MentionSource>): (text: string) => string | undefined {
  const pm = sources.get(c.mention.source)?.private;
  return (t) => {
    if (config.privateChannel.personalData === 'refuse') {
      const pii = findPii(t, config);
      if (pii.length > 0) return `The private message contains personal data (${describePii(pii)}), and privateChannel.personalData is "refuse". Remove it.`;
    }
    if (pm) return pm.checkPrivate(t);
    // Without private messages, Move to DM posts a public invitation: a public reply's rules.
    const pii = findPii(t, config);
    if (pii.length > 0) return `The invitation is a public reply (${c.mention.network} has no private messages in Earshot), and it contains personal data (${describePii(pii)}). Remove it.`;
    return sources.get(c.mention.source)?.checkReply(t, c.mention);
  };
}
