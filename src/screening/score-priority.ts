import type { Author } from '../domain/mention.js';
import type { Intent, Priority, Sentiment } from '../domain/screening.js';
import { phraseList } from './phrase-list.js';
import type { PostTokens } from './tokenize-post.js';

/** What priority is judged on. */
export interface PriorityInput {
  sentiment: Sentiment | undefined;
  intent: Intent | undefined;
  author: Author;
  vip: boolean;
  post: PostTokens;
}

export interface PriorityVerdict {
  priority: Priority;
  /** What raised or lowered it, for the card ("legal or safety words: 'lawyer'"). */
  reasons: string[];
}

/** Words that put a post in front of a lead at once: legal exposure or someone's safety. */
const LEGAL_SAFETY = phraseList([
  'lawyer', 'attorney', 'lawsuit', 'sue', 'suing', 'legal action', 'court', 'small claims', 'ombudsman', 'regulator',
  'injured', 'injury', 'hurt', 'bleeding', 'unsafe', 'safety', 'emergency', 'ambulance', 'police', 'fire', 'smoke',
  'allergic reaction', 'assault', 'assaulted', 'harassed', 'harassment', 'discrimination', 'discriminated', 'racist',
  'threatened', 'data breach', 'hacked', 'fraud', 'scam', 'stolen', 'identity theft', 'dot complaint', 'faa',
]);
/** Words of a customer about to leave. */
const CHURN = phraseList([
  'cancel my account', 'close my account', 'cancel my subscription', 'cancel my membership', 'cancelling my',
  'canceling my', 'switching to', 'never again', 'never flying', 'never fly', 'done with you', 'last time i',
  'take my business', 'taking my business', 'delete my account', 'chargeback', 'charge back',
]);

/**
 * A count as `toLocaleString('en-US')` writes it ("12,345"). Written out for whole
 * numbers: the locale machinery costs more than the rest of the priority on every post
 * from a large account. Anything else is left to `toLocaleString`.
 */
function followerCount(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(n);
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return out;
}

/**
 * Priority from sentiment, intent, the author's reach and alarm words. A score is
 * summed from the signals and cut into low / normal / high / urgent:
 * a plain complaint is `normal`; a complaint from a VIP or a 10k+ account, or with churn
 * words, is `high`; legal or safety words in a complaint, or a complaint from a 100k+
 * verified account, are `urgent`; legal or safety words alone are `high`; praise and
 * chatter are `low`. A rule's `priority` overrides all this (see screenMention).
 */
export function scorePriority(input: PriorityInput): PriorityVerdict {
  let score = 0;
  const reasons: string[] = [];
  if (input.sentiment === 'negative') score += 1;
  if (input.sentiment === 'positive') score -= 1;
  if (input.intent === 'complaint') score += 1;
  if (input.intent === 'question' || input.intent === 'request' || input.intent === 'lead') score += 1;
  if (input.intent === 'praise') score -= 0.5;
  const negative = input.sentiment === 'negative' || input.intent === 'complaint';

  const legal = LEGAL_SAFETY.first(input.post);
  if (legal) { score += 4; reasons.push(`legal or safety words: '${legal}'`); }
  const churn = CHURN.first(input.post);
  if (churn) { score += 2; reasons.push(`about to leave: '${churn}'`); }

  const f = input.author.followers;
  if (input.vip) { score += 2; reasons.push('author is on the VIP list'); }
  if (f >= 100_000) { score += negative ? 2 : 1; reasons.push(`author has ${followerCount(f)} followers`); }
  else if (f >= 10_000) { score += negative ? 1 : 0.5; reasons.push(`author has ${followerCount(f)} followers`); }
  if (input.author.verified) { score += 0.5; reasons.push('verified author'); }
  if (negative && input.post.shouted >= 2) { score += 0.5; reasons.push('written in capitals'); }

  const priority: Priority = score >= 4.5 ? 'urgent' : score >= 3 ? 'high' : score >= 1 ? 'normal' : 'low';
  return { priority, reasons };
}
