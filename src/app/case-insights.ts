import type { Case } from '../domain/case.js';
import type { Masked } from '../screening/mask-personal-data.js';

/**
 * AI assist's other writing (besides suggested drafts): one-line summaries, short briefs
 * and translations. The port the app asks; src/assist/model-insights.ts answers it with a
 * language model. Every text asked about is masked and sent as delimited data; every
 * answer was vetted (no personal data, no link outside the team's, no banned phrase).
 */
export type InsightAnswer = { ok: true; text: Masked } | { ok: false; note: string };

export interface CaseInsights {
  /** One line saying what the thread (the post, follow-ups, folded posts) is about, in the team's language. */
  summarize(c: Case): Promise<InsightAnswer>;
  /** Two or three sentences for a lead or an approver: what the author wants, what happened, what is proposed. */
  brief(c: Case): Promise<InsightAnswer>;
  /** The post (or `text`, a later post of the author's in the thread), translated into `to` (ISO 639-1) for the agent. */
  translatePost(c: Case, to: string, text?: string): Promise<InsightAnswer>;
  /**
   * An agent's draft, translated into `to` (the author's language) to be sent; `check` is
   * the reply's guardrails (policy, network length, personal data): a translation that
   * breaks them is refused with the reason.
   */
  translateDraft(c: Case, text: string, to: string, check: (text: string) => string | undefined): Promise<InsightAnswer>;
}

/** What AI assist wrote about a case, kept beside it (not on it): the card shows it, labelled as AI-written. */
export interface CaseInsight {
  /** The post in the team's language; `from` is the post's language. */
  translation?: { text: string; from: string; to: string } | undefined;
  /** The author's later posts in the thread (follow-ups) in the team's language, by post id. */
  followUps?: Record<string, string> | undefined;
  /** `sig`: the thread it summarises (recomputed when a follow-up or a folded post comes). */
  summary?: { sig: string; text: string } | undefined;
  brief?: { sig: string; text: string } | undefined;
  /** Why something is missing (a timeout, the day's budget, a refused answer), by what it is for. */
  notes?: Partial<Record<InsightPart, string>> | undefined;
  /** What each part was last asked for (the post, the thread), answered or not: asked once per thread. */
  tried?: Partial<Record<InsightPart, string>> | undefined;
}

export type InsightPart = 'translation' | 'summary' | 'brief';

/** What the insight rules read of `assist:` (see assist-schema.ts). */
export interface InsightRules {
  teamLanguage: string;
  translate: boolean;
  summaries?: { minPosts: number; minChars: number; briefs: boolean } | undefined;
}

/** How many posts a case's thread holds: the post, its follow-ups and the similar posts folded into it. */
export const postsOf = (c: Case): number => 1 + (c.followUps?.length ?? 0) + (c.duplicates ?? 0);

/**
 * The thread as summarised: changes when the author writes again. Folded similar posts
 * count towards `minPosts` but do not change it: a burst of them must not mean a model
 * call each.
 */
export const threadSig = (c: Case): string => `${c.mention.id}:${(c.followUps ?? []).map((f) => f.id).join(',')}`;

/** The language a post should be translated from, when it is not the team's (and is known). */
export function foreignLanguage(c: Case, rules: InsightRules): string | undefined {
  const lang = c.screening.language?.toLowerCase();
  return rules.translate && lang && lang !== 'und' && lang !== rules.teamLanguage ? lang : undefined;
}

/** Whether the thread is long enough for a one-line summary on the card. */
export function wantsSummary(c: Case, rules: InsightRules): boolean {
  const s = rules.summaries;
  return !!s && (postsOf(c) >= s.minPosts || c.mention.text.length >= s.minChars);
}

/** Whether a brief is wanted now: summaries with briefs on, and a draft waiting for approval or an escalation. */
export function wantsBrief(c: Case, rules: InsightRules): boolean {
  return !!rules.summaries?.briefs && (c.status === 'drafted' || c.status === 'escalated');
}

/** The follow-ups a card shows (the newest three), which a translation covers besides the post. */
export const shownFollowUps = (c: Case): NonNullable<Case['followUps']> => (c.followUps ?? []).slice(-3);

/** What is missing from `have` for the case as it is now (each part asked once per thread). Pure. */
export function missingParts(c: Case, rules: InsightRules, have: CaseInsight | undefined): InsightPart[] {
  const out: InsightPart[] = [];
  const sig = threadSig(c);
  if (foreignLanguage(c, rules) && have?.tried?.translation !== sig) out.push('translation');
  if (wantsSummary(c, rules) && have?.tried?.summary !== sig) out.push('summary');
  if (wantsBrief(c, rules) && have?.tried?.brief !== sig) out.push('brief');
  return out;
}
