/** Store keys of the inbox: what a poll heard, and which case each post became. */
export const INBOX = (key: string) => `inbox:${key}`;
export const PENDING = 'inbox:pending';
/** The case a mention (network:post id) belongs to, or {@link DROPPED}. */
export const MENTION_CASE = (key: string) => `mention-case:${key}`;
export const CURSOR = (source: string) => `cursor:${source}`;
/** A mention that will never make a case (screened out, purged or erased). */
export const DROPPED = 'dropped';
