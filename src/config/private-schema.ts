import * as z from 'zod';
import { durationField } from './duration.js';

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/);

/**
 * Private conversations with customers (Move to DM, DMs in the case, the secure hand-off).
 * The networks' own DM access is learned from the networks; this is what the brand decides.
 */
export const PrivateChannelSchema = z.strictObject({
  /**
   * A private reply that holds personal data (a card number the customer asked about):
   * `warn` (the default) saves it and the card says so; `refuse` treats it like a public reply.
   */
  personalData: z.enum(['warn', 'refuse']).default('warn'),
  /** How often private messages are read from each source that has them (default 1m). */
  pollEvery: durationField(5_000, 'like 30s or 2m').default(60_000),
  /** The secure hand-off: a link to the brand's own site carrying a signed, expiring token of the case. */
  handoff: z.strictObject({
    /** The link, with `{{case.token}}` where the token goes (e.g. https://secure.example-bank.com/contact?case={{case.token}}). */
    url: z.url({ protocol: /^https$/ }).refine((u) => u.includes('{{case.token}}') || u.includes('%7B%7Bcase.token%7D%7D'), { error: 'put {{case.token}} in the link where the token goes' }),
    /** How long a token is good for (default 24h). */
    ttl: durationField(60_000, 'like 30m or 24h').default(86_400_000),
    /**
     * Cases that only ever get the hand-off, never a conversation in DMs: any of these
     * groups, or any of these topics. Their private replies must carry the hand-off link.
     */
    only: z.strictObject({
      groups: z.array(id).default([]),
      topics: z.array(z.string().min(1)).default([]),
    }).optional(),
  }).optional(),
});
export type PrivateChannelConfig = z.output<typeof PrivateChannelSchema>;
export const DEFAULT_PRIVATE_CHANNEL: PrivateChannelConfig = { personalData: 'warn', pollEvery: 60_000 };
