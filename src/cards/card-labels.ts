import type { CaseStatus } from '../domain/case.js';
import type { Network } from '../domain/mention.js';
import { maskPersonalData, NO_PUBLIC_NUMBERS, type Masked } from '../screening/mask-personal-data.js';

/** How a case's status reads on its card (and in the list of the author's earlier cases). */
export const STATUS_LABEL: Record<CaseStatus, string> = {
  new: 'New',
  claimed: 'Claimed',
  drafted: 'Draft awaiting approval',
  rejected: 'Draft sent back',
  approved: 'Approved, ready to send',
  sending: 'Sending…',
  sent: 'Replied',
  escalated: 'Escalated',
  snoozed: 'Snoozed',
  closed: 'Closed',
  ignored: 'Ignored',
  redirected: 'Moved to a private channel',
};

/** The network's name as cards show it. */
export const NETWORK_LABEL: Record<Network, string> = {
  x: 'X', bluesky: 'Bluesky', mastodon: 'Mastodon', reddit: 'Reddit', rss: 'Web', demo: 'Demo',
};

/** Earshot's own words on a card go through the gate like any other (it costs nothing). */
export const ours = (text: string): Masked => maskPersonalData(text, NO_PUBLIC_NUMBERS);
