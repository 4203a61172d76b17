import type { CaseActionId } from '../domain/actions.js';
import type { Config } from '../config/schema.js';
import type { ReplyLimit } from '../domain/reply-limits.js';
import type { Refusal } from '../cases/policy.js';
import type { Masked } from '../screening/mask-personal-data.js';
import type { Suggestion } from './draft-assistant.js';

/**
 * The forms a click may open before anything is applied (a Slack modal, a Teams dialog):
 * what each shows and remembers. CaseInteractions fills them; every surface renders them.
 */

/** Actions that need a form (a Slack modal, a Teams dialog) before they can be applied. */
export type FormAction = Extract<CaseActionId, 'case.draft' | 'case.reject' | 'case.redirect'>;
export const isFormAction = (id: CaseActionId): id is FormAction => id === 'case.draft' || id === 'case.reject' || id === 'case.redirect';
/** A draft form: the public reply (`case.draft`) or a private message (`case.redirect`, Move to DM and private replies). */
export const isDraftForm = (id: FormAction): boolean => id === 'case.draft' || id === 'case.redirect';

/** What a draft or reject form shows and remembers; every surface renders it its own way. */
export interface CaseForm {
  action: FormAction;
  caseId: string;
  /** The version the form was opened on: submitting after a change is refused as stale. */
  version: number;
  title: string;
  /** `@handle` of the mention's author. */
  author: string;
  /** The mention as shown on the card, through the masking gate. */
  mentionText: Masked;
  /** The text field's starting value: the current draft, or the best template filled in. */
  initial: string;
  /** The draft being sent back (reject forms). */
  draft?: string;
  /** The template the initial text came from, remembered so the card can name it. */
  templateId?: string;
  /** Templates that fit the case, best first (the draft form offers them). */
  templates?: Array<{ id: string; name: string }>;
  /** The network's own reply limit, where Earshot replies there (the chat field's own limit is higher). */
  replyLimit?: ReplyLimit;
  /** What the reply may be, in words: the network's limit and how it counts. */
  limitHint: string;
  /** A private message (Move to DM): how it will reach the author, in words ("Private: DM to @x" or "Public invitation to DM"). */
  privateRoute?: string;
  /** Whether AI assist is configured: the draft form offers "Suggest", or says that AI assist is off. */
  assistOn?: boolean;
  /** AI assist can translate the draft into the author's language (another than the team's): the form offers it. */
  translateTo?: TranslateOffer | undefined;
  /** AI assist suggests a reply as the draft form opens (`assist.prefill`). */
  assistPrefill?: boolean;
}

/** The draft form's "translate to the author's language" choice: the author's language (ISO 639-1) and its name ("French · fr"). */
export interface TranslateOffer { to: string; name: string }

/** What the draft forms say where they would offer a suggestion, while AI assist is not configured. */
export const ASSIST_OFF = 'AI assist is off. An operator can turn it on with an assist: section in earshot.yaml; until then nothing is sent to any AI model.';

export type SuggestResult = { ok: true; form: CaseForm; suggestion: Suggestion } | { ok: false; refusal: Refusal };

/**
 * A suggestion under way: the draft form, checked, at once; the suggestion (or why there is
 * none) when the model has answered. `previous` is the text of the template the form had
 * put in the reply, to tell the person's own words from it.
 */
export type StartedSuggest =
  | { ok: true; form: CaseForm; previous?: string | undefined; outcome: Promise<{ ok: true; suggestion: Suggestion } | { ok: false; refusal: Refusal }> }
  | { ok: false; refusal: Refusal };

export type FormResult = { ok: true; form: CaseForm } | { ok: false; refusal: Refusal };

/** A Mastodon source's configured instance limit (`options.maxCharacters`), if any. */
export function mastodonMax(config: Config, sourceName: string): number | undefined {
  const max = config.sources.find((x) => x.name === sourceName)?.options?.maxCharacters;
  return typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : undefined;
}
