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
  /** Finds the link hosts in a reply for policy.linkAllowlist (the server passes X's rules); default: a plain finder that errs toward finding more. */
  linkHosts?: LinkHosts | undefined;
  /** Slack user groups of the people involved, resolved by the adapter. */
  memberOf?: Membership | undefined;
  /** The configured templates (a redirect must use a private one). */
  templates?: readonly Template[] | undefined;
  /** The configured skill groups (a re-route must name one). */
  groups?: readonly string[] | undefined;
}
