/** Store keys of the inbox: what a poll heard, and which case each post became. */
export const INBOX = (key: string) => `inbox:${key}`;
export const PENDING = 'inbox:pending';
/** The case a mention (network:post id) belongs to, or {@link DROPPED}. */
export const MENTION_CASE = (key: string) => `mention-case:${key}`;
export const CURSOR = (source: string) => `cursor:${source}`;
/** A mention that will never make a case (screened out, purged or erased). */
export const DROPPED = 'dropped';
/** How many inbox runs a mention has failed in (screening or opening its case threw). */
export const INBOX_FAILURES = (key: string) => `inbox-failures:${key}`;
/** Mentions set aside after {@link INBOX_MAX_FAILURES} failed runs: kept, out of the way of the rest, for an operator. */
export const PARKED = 'inbox:parked';
export const INBOX_MAX_FAILURES = 5;
