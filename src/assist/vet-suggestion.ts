import type { LinkHosts } from '../cases/policy.js';
import { plainLinkHosts } from '../cases/plain-link-hosts.js';
import type { PiiConfig } from '../screening/find-pii.js';
import { maskPersonalData, type Masked } from '../screening/mask-personal-data.js';
import { stripInvisible } from './suggest-prompt.js';

export type Vetted = { ok: true; text: Masked } | { ok: false; reason: string };

export interface VetRules {
  /** The policy's text rules and the network's length (the same check a typed draft gets). */
  check: (text: string) => string | undefined;
  /** Hosts a suggestion may link to: the policy's allowlist, the config's links, links in the grounding. */
  allowedHosts: readonly string[];
  pii: PiiConfig;
  linkHosts?: LinkHosts | undefined;
}

/**
 * Holds a model's reply to the rules a person's draft is held to, and more: no link to a
 * host the team did not give it (even when the policy allows any link), no personal data
 * (a model must not write a number or an address, even a masked one), no invisible
 * characters. Anything refused is never shown; the caller falls back to the template.
 */
export function vetSuggestion(reply: string, rules: VetRules): Vetted {
  const text = stripInvisible(reply).replace(/\r\n?/g, '\n').trim();
  if (!text) return { ok: false, reason: 'the model wrote an empty reply' };
  const allowed = rules.allowedHosts.map((h) => h.toLowerCase());
  const hosts = [...(rules.linkHosts ?? plainLinkHosts)(text), ...plainLinkHosts(text)];
  const foreign = hosts.find((h) => !allowed.some((a) => h === a || h.endsWith(`.${a}`)));
  if (foreign) return { ok: false, reason: `the model's reply linked to ${foreign}, which is not one of the team's links` };
  const masked = maskPersonalData(text, rules.pii);
  if (masked !== text || /\[(card number|IBAN|phone number|e-mail address|booking reference|ticket number|account number)\]/i.test(text)) {
    return { ok: false, reason: 'the model\'s reply contained personal data' };
  }
  const problem = rules.check(text);
  if (problem) return { ok: false, reason: `the model's reply broke a rule: ${problem}` };
  return { ok: true, text: masked };
}

/** The hosts of every link in `texts`, lower-cased, once each. */
export function hostsIn(texts: readonly string[]): string[] {
  return [...new Set(texts.flatMap((t) => plainLinkHosts(t)))];
}
