/** Feeds are listen-only: what a reply check says, without loading the feed parser. */
export const RSS_LISTEN_ONLY = 'Feeds are listen-only: open the post in the browser to answer there.';
