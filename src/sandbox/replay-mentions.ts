/**
 * Feeds the sandbox's X with the sample mentions over time, the way people would post them.
 * The bot does not know: its real X source finds them by polling recent search.
 */
import type { FakeX, XTweet } from './fakes/fake-x.js';
import type { SampleMention } from './sample-mentions.js';

/** Options for {@link replayMentions}. */
export interface ReplayOptions {
  x: FakeX;
  samples: readonly SampleMention[];
  /** Time scale: 2 posts everything twice as fast. Default 1. */
  speed?: number;
  /** Samples already posted in an earlier run (key → post id), which are not posted again. */
  posted?: Readonly<Record<string, string>>;
  /** Called after each post. */
  onPost?: (sample: SampleMention, tweet: XTweet) => void;
}

/** A running replay. */
export interface Replay {
  /** key → post id of every sample posted so far (this run and earlier ones). */
  readonly posted: Readonly<Record<string, string>>;
  /** How many samples are still to come. */
  readonly pending: number;
  /** Cancels the samples still to come. */
  stop(): void;
}

/** Posts each sample `at` seconds (divided by `speed`) from now. */
export function replayMentions(opts: ReplayOptions): Replay {
  const speed = opts.speed && opts.speed > 0 ? opts.speed : 1;
  const posted: Record<string, string> = { ...opts.posted };
  const timers = new Set<NodeJS.Timeout>();

  const post = (s: SampleMention): void => {
    if (!opts.x.user(s.author.username)) {
      opts.x.addUser({
        username: s.author.username,
        name: s.author.name,
        verified: !!s.author.verified,
        verified_type: s.author.verified ? 'blue' : 'none',
        public_metrics: { followers_count: s.author.followers, following_count: 180, tweet_count: 2_400, listed_count: 3 },
      });
    }
    const repostOf = s.repostOf === undefined ? undefined : posted[s.repostOf];
    const tweet = opts.x.addTweet({
      text: s.text,
      author: s.author.username,
      ...(s.lang ? { lang: s.lang } : {}),
      ...(repostOf ? { retweetOf: repostOf } : {}),
    });
    posted[s.key] = tweet.id;
    opts.onPost?.(s, tweet);
  };

  for (const s of opts.samples) {
    if (posted[s.key] !== undefined) continue;
    const timer = setTimeout(() => {
      timers.delete(timer);
      post(s);
    }, (s.at * 1000) / speed);
    timers.add(timer);
  }

  return {
    posted,
    get pending() {
      return timers.size;
    },
    stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
