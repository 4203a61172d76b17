import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import type { Masked } from '../screening/mask-personal-data.js';

/** What grounded a suggestion: template ids, past case ids, knowledge-base files. */
export interface AssistSources {
  templates: string[];
  cases: string[];
  knowledge: string[];
}

/** A suggested reply, for the draft form. */
export interface Suggestion {
  /** The reply, through the masking gate; it passed the policy and the network's length. */
  text: Masked;
  /** True when the model wrote it; false when it is the template, because the model could not be used. */
  fromModel: boolean;
  sources: AssistSources;
  /** Why the template was used instead (timeout, budget, a refused answer), in words for the agent. */
  note?: string;
}

/** What the assistant needs to know about where the reply goes. */
export interface SuggestContext {
  actor: Actor;
  /** The network's length and the policy's text rules: a problem in words, or undefined when the reply may be sent. */
  check: (text: string) => string | undefined;
  /** The network's reply limit in characters, told to the model. */
  maxChars?: number | undefined;
  /** The best template for the case, filled in and masked: the fallback. */
  fallback?: { id: string; text: Masked } | undefined;
}

/**
 * The draft assistant port (AI assist). The server hands one in when `assist:` is
 * configured; without it, the draft forms say that AI assist is off.
 */
export interface DraftAssistant {
  suggest(c: Case, ctx: SuggestContext): Promise<Suggestion>;
  /** The last suggestion the model wrote for a case, if it is still remembered (to record it on the draft). */
  recall(caseId: string): Promise<Suggestion | undefined>;
}

/** What the draft form (Slack's modal, Teams' dialog) says under the reply once a suggestion is in. */
export function suggestionNote(s: Suggestion): string {
  if (!s.fromModel) return s.note ?? 'AI assist could not suggest a reply; this is the template.';
  const from = [
    s.sources.templates.length ? `templates ${s.sources.templates.join(', ')}` : '',
    s.sources.cases.length ? `past cases ${s.sources.cases.join(', ')}` : '',
    s.sources.knowledge.length ? `knowledge ${s.sources.knowledge.join(', ')}` : '',
  ].filter(Boolean).join('; ');
  return `Suggested by AI assist${from ? ` from ${from}` : ''}. Read it before you submit: the approver sees that it was suggested and how much you changed.`;
}
