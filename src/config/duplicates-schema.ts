import * as z from 'zod';
import { durationField } from './duration.js';

/**
 * Near-duplicate folding (README, "Near-duplicates"): a post whose text is close to the
 * text of an open case of its group, seen within `window`, joins that case instead of
 * opening one of its own. Closeness is measured on the posts' fingerprints
 * (src/screening/fingerprint.ts): a 64-bit SimHash, so `threshold` 0.84 allows about 10
 * of 64 bits to differ (a word or two changed); posts under four words fold only when
 * their words are the same.
 */
export const DuplicatesConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Only posts by the author of the case join it; otherwise anyone's post may. */
  sameAuthorOnly: z.boolean().default(false),
  /** How alike two posts must be, from 0.5 (loose) to 1 (the same words). */
  threshold: z.number().min(0.5).max(1).default(0.84),
  /** How long after an open case's latest post a near-identical one still joins it. */
  window: durationField(60_000, 'like 30m or 6h').default(6 * 3_600_000),
  /** Folded posts kept on the case as samples (the card shows them; Split works on them). */
  samples: z.number().int().min(1).max(10).default(3),
});
export type DuplicatesConfig = z.output<typeof DuplicatesConfigSchema>;
export const DEFAULT_DUPLICATES_CONFIG: DuplicatesConfig = DuplicatesConfigSchema.parse({});
