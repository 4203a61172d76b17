import type { CardView } from '../domain/case.js';
import type { Masked } from '../screening/mask-personal-data.js';
import type { Card, StormCard } from '../cards/card.js';
import type { AlertCard } from '../cards/alert-card.js';
import type { PersonalQueue } from './personal-queue-model.js';

/**
 * A chat surface the bot posts cards to (Slack, Teams). The app owns this port (its
 * deliveries, storms and retention are what call it); the adapters under
 * src/chat/<platform>/ implement it and the server hands them in.
 */
export interface ChatGateway {
  readonly platform: CardView['platform'];
  /** Posts a new card into a channel; `target` is the channel as bound in the config. */
  postCard(target: string, card: Card): Promise<CardView>;
  /**
   * Looks for a card for this case already in the channel. Called before re-posting
   * after an attempt that may have succeeded without being recorded (a crash).
   * `sinceMs` is when the card was first asked for: nothing older needs looking at.
   */
  findCard(target: string, caseId: string, sinceMs?: number): Promise<CardView | undefined>;
  updateCard(view: CardView, card: Card): Promise<void>;
  /**
   * Posts a note in the card's thread (the audit trail people read). `ref` marks the
   * note (Slack: message metadata) so {@link findNote} can tell whether it landed.
   */
  postNote(view: CardView, text: Masked, ref?: string): Promise<void>;
  /** Is the note marked `ref` already in the card's thread? Asked before re-posting after a crash. */
  findNote?(view: CardView, ref: string): Promise<boolean>;
  /**
   * Storm mode: one live card standing for many mentions on one topic (see StormCard in
   * src/cards/card.ts). Optional: a surface without it still gets every high-priority card.
   */
  postStormCard?(target: string, card: StormCard): Promise<CardView>;
  findStormCard?(target: string, stormId: string, sinceMs?: number): Promise<CardView | undefined>;
  updateStormCard?(view: CardView, card: StormCard): Promise<void>;
  /** Posts a plain notice into a channel (ops messages, digests). */
  postNotice?(target: string, text: Masked): Promise<void>;
  /**
   * Personal alerts: posts `alert` into the person's own 1:1 chat with the bot (Slack: the
   * DM opened with conversations.open; Teams: a proactive message in the personal chat).
   * `userId` is the platform's id (Slack `U…`, Teams AAD object id). Undefined when the
   * person cannot be reached this way yet (Teams: they never talked to the bot 1:1).
   */
  postDirect?(userId: string, alert: AlertCard): Promise<CardView | undefined>;
  /** Replaces a personal alert in place (the same thing changed, or stopped pending). */
  updateDirect?(view: CardView, alert: AlertCard): Promise<void>;
  /** Uploads an image (a chart) into a channel. */
  postImage?(target: string, image: { title: string; filename: string; png: Buffer }): Promise<void>;

  // --- The personal queue ---
  /** Shows a person their queue where the surface has a place for it (Slack's App Home). */
  publishHome?(user: string, queue: PersonalQueue, updatedAt: string): Promise<void>;
}
