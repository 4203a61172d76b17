import type { CaseActionId } from '../domain/actions.js';
import type { CaseStatus } from '../domain/case.js';
import type { Network } from '../domain/mention.js';
import type { Masked } from '../screening/mask-personal-data.js';

// The card model sits below both the app (which builds and delivers cards) and the chat
// adapters (which render them), so neither has to import the other to share it.

/**
 * One platform-neutral card, rendered twice: Block Kit for Slack and an Adaptive Card
 * for Teams. Every string here is PLAIN TEXT; much of it comes from strangers on the
 * internet (the mention, the author's name). Renderers escape all of it. Only `links`
 * become live links, and the card builder only puts URLs there that Earshot built.
 */
export interface Card {
  caseId: string;
  version: number;
  /** Short fallback text for notifications and screen readers. */
  summary: string;
  title: string;
  network: Network;
  /**
   * The author's name went through the masking gate (people put numbers in names too).
   * Absent on a notice card (moved, removed), which speaks for Earshot, not for anyone.
   */
  author?: { name: Masked; handle: string; followers: number; verified: boolean } | undefined;
  /** The mention's text, through the masking gate. */
  text: Masked;
  status: { code: CaseStatus; label: string };
  badges: string[];
  facts: Array<{ label: string; value: string }>;
  /** Explanations (which rules fired and why), follow-ups and notes, through the masking gate. */
  notes: Masked[];
  /**
   * `assist`: the draft started from an AI assist suggestion: its sources and how much the agent changed it, in words.
   * `translated`: `text` (what is sent) is AI assist's translation into `to` of what the agent wrote (`original`).
   */
  draft?: { text: string; by: string; approvals: string[]; needed: number; template?: string; assist?: string; translated?: { original: string; to: string } };
  rejection?: { by: string; note: string };
  reply?: { url: string };
  links: Array<{ label: string; url: string }>;
  actions: Array<{ id: CaseActionId; label: string; style?: 'primary' | 'danger' }>;
  /**
   * Written by AI assist, and labelled so on every surface: a one-line summary of a long
   * thread, the post translated into the team's language (`from`: the post's language;
   * the original stays above it), and notes saying why one is missing. Masked, vetted text.
   */
  ai?: { summary?: string; translation?: { text: string; from: string }; notes?: string[] } | undefined;
}

/**
 * The storm card: one live card standing for many mentions on one topic while a group is
 * in storm mode (see src/domain/storm.ts). Like {@link Card}, every string is PLAIN TEXT
 * and much of it comes from strangers; renderers escape all of it, and only `links` (built
 * by Earshot from post ids) become live links. Built by build-storm-card.ts; rendered by
 * each surface's renderer (Block Kit: src/chat/slack/render-storm-block-kit.ts).
 */
export interface StormCard {
  kind: 'storm';
  stormId: string;
  /** Grows with every change of the storm's state; buttons carry it (stale clicks are refused). */
  version: number;
  summary: string;
  title: string;
  status: { code: 'live' | 'calm' | 'closed'; label: string };
  /** Mentions folded into this card so far. */
  count: number;
  facts: Array<{ label: string; value: string }>;
  /** How the mentions feel, as counts. */
  sentiment: { negative: number; neutral: number; positive: number };
  /** Authors with the widest reach first. */
  topAuthors: Array<{ name: Masked; handle: string; followers: number; verified: boolean }>;
  /** A few posts, the widest reach first, through the masking gate. */
  samples: Array<{ author: Masked; handle: string; followers: number; text: Masked }>;
  reply?: { template: string; text: string; by: string; approvals: string[]; needed: number; state: string };
  links: Array<{ label: string; url: string }>;
  actions: Array<{ id: 'storm.draft' | 'storm.approve' | 'storm.discard' | 'storm.send' | 'storm.close'; label: string; style?: 'primary' | 'danger' }>;
}
