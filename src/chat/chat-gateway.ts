import type { CardView } from '../domain/case.js';
import type { Card } from './card.js';

/**
 * A chat surface the bot posts cards to (Slack, Teams). Adapters live under
 * src/chat/<platform>/; the app only knows this port.
 */
export interface ChatGateway {
  readonly platform: CardView['platform'];
  /** Posts a new card into a channel; `target` is the channel as bound in the config. */
  postCard(target: string, card: Card): Promise<CardView>;
  /**
   * Looks for a card for this case already in the channel. Called before re-posting
   * after an attempt that may have succeeded without being recorded (a crash).
   */
  findCard(target: string, caseId: string): Promise<CardView | undefined>;
  updateCard(view: CardView, card: Card): Promise<void>;
  /** Posts a note in the card's thread (the audit trail people read). */
  postNote(view: CardView, text: string): Promise<void>;
  /** Posts a plain notice into a channel (ops messages, digests). */
  postNotice?(target: string, text: string): Promise<void>;
  /** Uploads an image (a chart) into a channel. */
  postImage?(target: string, image: { title: string; filename: string; png: Buffer }): Promise<void>;
}
