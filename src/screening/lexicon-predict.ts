import Sentiment from 'sentiment';

import type { Intent, Sentiment as SentimentLabel } from '../domain/screening.js';
import { matchPhrase } from './match-phrase.js';

/**
 * The screening a team gets before it has trained a model: the AFINN lexicon (the
 * `sentiment` package) for sentiment, and word rules for intent. It is deliberately
 * simple and transparent; a trained model replaces it task by task.
 */
export interface LexiconPrediction {
  sentiment: SentimentLabel;
  intent: Intent;
  /** The AFINN score the sentiment came from. */
  score: number;
}

const afinn = new Sentiment();

// Complaint words AFINN does not score (it sees "delayed", "cancelled" as neutral).
const COMPLAINT_WORDS = [
  'delayed', 'delay', 'cancelled', 'canceled', 'lost', 'missing', 'broken', 'damaged', 'refund',
  'stuck', 'still waiting', 'on hold', 'no one', 'nobody', 'never', 'worst', 'rude', 'overbooked',
  'not working', "doesn't work", 'does not work', 'charged twice', 'unacceptable', 'ridiculous',
];
const PRAISE_WORDS = ['thank', 'thanks', 'thank you', 'thx', 'love', 'great', 'awesome', 'amazing', 'best', 'kudos', 'shoutout', 'shout out'];
const REQUEST_WORDS = ['please', 'pls', 'plz', 'can you', 'could you', 'would you', 'help me', 'need', 'dm me', 'follow back', 'i want', "i'd like", 'i would like'];
const LEAD_WORDS = [
  'looking for', 'recommend', 'thinking of switching', 'thinking about switching', 'switch to', 'how much',
  'price', 'pricing', 'quote', 'interested in', 'sign up', 'signing up', 'want to buy', 'plan to buy', 'any deals',
];
const QUESTION_START = /^\s*(?:@\S+\s+)*(?:who|what|when|where|why|how|which|is|are|can|could|will|would|do|does|did|should|any)\b/iu;

const any = (text: string, words: string[]): boolean => words.some((w) => matchPhrase(text, w) !== undefined);

/** The AFINN score of a text (sum of word valences, with AFINN's own negation rule). */
export function afinnScore(text: string): number {
  return afinn.analyze(text).score;
}

/** Sentiment and intent from the lexicon and word rules alone. */
export function lexiconPredict(text: string): LexiconPrediction {
  const score = afinnScore(text);
  const complaintWords = any(text, COMPLAINT_WORDS);
  const sentiment: SentimentLabel = score < 0 || (score === 0 && complaintWords) ? 'negative' : score > 0 ? 'positive' : 'neutral';
  const question = text.includes('?') || QUESTION_START.test(text);
  let intent: Intent;
  if (sentiment === 'negative' && (complaintWords || score <= -2)) intent = 'complaint';
  else if (any(text, LEAD_WORDS)) intent = 'lead';
  else if (question) intent = sentiment === 'negative' ? 'complaint' : 'question';
  else if (any(text, REQUEST_WORDS)) intent = 'request';
  else if (sentiment === 'negative') intent = 'complaint';
  else if (sentiment === 'positive' && any(text, PRAISE_WORDS)) intent = 'praise';
  else if (sentiment === 'positive') intent = 'praise';
  else intent = 'other';
  return { sentiment, intent, score };
}
