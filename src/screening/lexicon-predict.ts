import type { Intent, Sentiment } from '../domain/screening.js';
import { afinnScore } from './afinn-lexicon.js';
import { phraseList } from './phrase-list.js';
import { bareToken, type PostTokens } from './tokenize-post.js';

/**
 * The screening a team gets before it has trained a model: the AFINN lexicon for
 * sentiment and word rules for intent. Deliberately simple and explainable; a trained
 * model replaces it task by task.
 */
export interface LexiconPrediction {
  sentiment: Sentiment;
  intent: Intent;
  /** The AFINN score the sentiment came from. */
  score: number;
}

// Complaint words AFINN does not score (it sees "delayed" and "cancelled" as neutral).
const COMPLAINT = phraseList([
  'delayed', 'delay', 'cancelled', 'canceled', 'lost', 'missing', 'broken', 'damaged', 'refund', 'stuck',
  'still waiting', 'on hold', 'no one', 'nobody', 'worst', 'rude', 'overbooked', 'not working', 'doesnt work',
  'charged twice', 'unacceptable', 'ridiculous', 'never again', 'cancel my',
]);
const PRAISE = phraseList(['thank', 'thanks', 'thank you', 'thx', 'love', 'great', 'awesome', 'amazing', 'best', 'kudos', 'shoutout', 'shout out']);
const REQUEST = phraseList(['please', 'pls', 'plz', 'can you', 'could you', 'would you', 'help me', 'need', 'dm me', 'i want', 'id like', 'i would like']);
const LEAD = phraseList([
  'looking for', 'recommend', 'thinking of switching', 'thinking about switching', 'switch to', 'how much',
  'price', 'pricing', 'quote', 'interested in', 'sign up', 'signing up', 'want to buy', 'plan to buy', 'any deals',
]);
const QUESTION_START = new Set(['who', 'what', 'when', 'where', 'why', 'how', 'which', 'is', 'are', 'can', 'could', 'will', 'would', 'do', 'does', 'did', 'should', 'any']);

/** Sentiment and intent from the lexicon and word rules alone. */
export function lexiconPredict(post: PostTokens): LexiconPrediction {
  const { score } = afinnScore(post);
  const complaint = COMPLAINT.first(post) !== undefined;
  const sentiment: Sentiment = score < 0 || (score <= 1 && complaint) ? 'negative' : score > 0 ? 'positive' : 'neutral';
  const first = post.tokens.find((t) => t !== 'zzuser');
  const question = post.questions > 0 || (first !== undefined && QUESTION_START.has(bareToken(first)));
  let intent: Intent;
  if (sentiment === 'negative' && (complaint || score <= -2)) intent = 'complaint';
  else if (LEAD.first(post) !== undefined) intent = 'lead';
  else if (question) intent = sentiment === 'negative' ? 'complaint' : 'question';
  else if (REQUEST.first(post) !== undefined) intent = 'request';
  else if (sentiment === 'negative') intent = 'complaint';
  else if (sentiment === 'positive' || PRAISE.first(post) !== undefined) intent = 'praise';
  else intent = 'other';
  return { sentiment, intent, score };
}
