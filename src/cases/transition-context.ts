import type { Actor } from '../domain/actor.js';
import type { Policy, Template } from '../config/schema.js';
import type { LinkHosts, Membership } from './policy.js';

export interface TransitionContext {
  policy: Policy;
  actor: Actor;
  /** ISO timestamp supplied by the caller: the workflow never reads the clock. */
  now: string;
  /** The version the actor saw; a mismatch means a stale click. */
  expectedVersion?: number | undefined;
  /**
   * Network-specific check of a reply (length with the network's weighting, personal
   * data). Returns a message when the text may not be sent.
   */
  checkReply?: ((text: string) => string | undefined) | undefined;
  /**
   * The network's rules for a private message, and personal data as the policy wants it
   * (privateChannel.personalData: a warning only, by default). A message when it may not be sent.
   */
  checkPrivate?: ((text: string) => string | undefined) | undefined;
  /**
   * The secure hand-off for this case: `only` when the policy allows it nothing else
   * (privateChannel.handoff.only, named by `rule`); `carries` says whether a text holds a
   * valid hand-off link of this case.
   */
  handoff?: { only: boolean; carries: (text: string) => boolean; rule: string } | undefined;
  /** Finds the link hosts in a reply for policy.linkAllowlist (the server passes X's rules); default: a plain finder that errs toward finding more. */
  linkHosts?: LinkHosts | undefined;
  /** Slack user groups of the people involved, resolved by the adapter. */
  memberOf?: Membership | undefined;
  /** The configured templates (a redirect must use a private one). */
  templates?: readonly Template[] | undefined;
  /** The configured skill groups (a re-route must name one). */
  groups?: readonly string[] | undefined;
}
