import { languageName } from './build-card.js';
import type { Card } from './card.js';

// The words both surfaces put on what AI assist wrote, so a reader always knows which text
// a person wrote and which a model did.

/** Above the post's translation (the original stays above it). */
export const aiTranslationLabel = (from: string): string => `AI translation from ${languageName(from)}; the original is above:`;

/** Before the one-line summary of a long thread. */
export const AI_SUMMARY_LABEL = 'AI-written summary:';

/** Under a translated draft: what is sent is the translation; the agent's own words follow. */
export const draftTranslatedLabel = (d: NonNullable<Card['draft']>): string =>
  `Translated by AI assist into ${d.translated?.to ?? 'the author\'s language'}; the draft above is what is sent. ${d.by} wrote:`;

/** The card's AI-written lines in the order they are shown: summary, then why anything is missing. */
export function aiLines(ai: Card['ai']): string[] {
  if (!ai) return [];
  return [...(ai.summary ? [`${AI_SUMMARY_LABEL} ${ai.summary}`] : []), ...(ai.notes ?? [])];
}
