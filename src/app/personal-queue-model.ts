/** What a person's queue holds, as the surfaces render it (App Home, the Teams personal chat). */
import type { Card } from '../cards/card.js';
import type { SummaryLayout } from '../metrics/summary-layout.js';

/** The most cases one list shows (a Slack home view holds at most 100 blocks). */
export const QUEUE_LIST_MAX = 8;

/** A case near or past its SLA, with its card and the clock that is short. */
export interface AtRiskEntry { card: Card; due: string }

export interface PersonalQueue {
  mine: Card[];
  approvals: Card[];
  atRisk: AtRiskEntry[];
  /** How many there were in each list before the cut at {@link QUEUE_LIST_MAX}. */
  counts: { mine: number; approvals: number; atRisk: number };
  /** The team's figures (as `/earshot metrics` gives them), for people allowed to see every agent's. */
  figures?: { layout: SummaryLayout; footer: string[] } | undefined;
}
