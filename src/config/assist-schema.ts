import * as z from 'zod';
import { durationField } from './duration.js';

/** The model providers AI assist can talk to. */
export const ASSIST_PROVIDERS = ['openai-compatible', 'azure', 'anthropic'] as const;
export type AssistProvider = (typeof ASSIST_PROVIDERS)[number];

/**
 * AI assist (`assist:` in earshot.yaml): suggested drafts from a language model. Absent, it
 * is off and nothing is sent anywhere. The key is never in this file: `keyEnv` names the
 * environment variable that holds it.
 */
export const AssistSchema = z.strictObject({
  provider: z.enum(ASSIST_PROVIDERS),
  /** The model id (OpenAI-compatible, Anthropic) or the deployment name (Azure OpenAI). */
  model: z.string().min(1).max(200),
  /**
   * The API's base URL: required for an OpenAI-compatible server (`…/v1`, e.g. Ollama's
   * `http://127.0.0.1:11434/v1`); for Azure instead of `resource`
   * (`https://<resource>.openai.azure.com/openai`); optional for Anthropic.
   */
  baseURL: z.url({ protocol: /^https?$/ }).optional(),
  /** Azure OpenAI: the resource name (`<resource>.openai.azure.com`). */
  resource: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { error: 'an Azure resource name: lower-case letters, digits and "-"' }).optional(),
  /** Azure OpenAI: the data-plane API version sent as `api-version`. */
  apiVersion: z.string().regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, { error: 'a version like 2024-10-21' }).default('2024-10-21'),
  /** The environment variable holding the API key (a local server may need none). */
  keyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, { error: 'an environment variable name like ASSIST_API_KEY' }).default('ASSIST_API_KEY'),
  /** Tokens (prompt and answer) AI assist may spend per day (UTC); past it, drafts come from templates. */
  dailyTokens: z.number().int().positive().default(200_000),
  /** How long one suggestion may take before the template is used instead. */
  timeout: durationField(500, 'like 8s; at least 500ms').default(8_000),
  /** Most tokens one answer may have. */
  maxOutputTokens: z.number().int().min(50).max(4000).default(400),
  /** How the brand writes, in a sentence or two (the model is told to write this way). */
  voice: z.string().min(1).max(1000).default('Friendly, brief and helpful; plain words; no jargon; never defensive.'),
  /** Markdown files the team keeps as a knowledge base, e.g. ./kb/*.md (relative to the folder Earshot is started in; `*` and `?` in the file name only). */
  knowledge: z.array(z.string().min(1)).default([]),
  /**
   * Suggest a reply as the draft form opens. Slack: the modal opens at once with the
   * template, and the suggestion replaces it when it arrives unless the agent has typed.
   * Teams: the dialog cannot change once open, so it opens with the suggestion if the model
   * answers within 3 seconds, with the template otherwise.
   */
  prefill: z.boolean().default(false),
  /** How many past approved replies, knowledge-base passages and templates ground a suggestion. */
  grounding: z.strictObject({
    pastReplies: z.number().int().min(0).max(10).default(3),
    knowledge: z.number().int().min(0).max(10).default(2),
    templates: z.number().int().min(0).max(10).default(2),
  }).default({ pastReplies: 3, knowledge: 2, templates: 2 }),
  /** The language the team reads and writes (ISO 639-1): posts in another are shown with a translation, and drafts can be sent translated. */
  teamLanguage: z.string().regex(/^[a-z]{2,3}$/, { error: 'a language code like en' }).default('en'),
  /** Translations of posts in another language than the team's, and of drafts into the author's (on while assist is on). */
  translate: z.boolean().default(true),
  /**
   * Screening by the model in the running bot: each mention that passes the noise filter
   * is classified by the model (sentiment, intent, topic among the group ids) before its
   * card; the built-in classifier decides on a timeout, an error or the budget spent.
   */
  screening: z.boolean().default(false),
  /**
   * One-line summaries of long posts and follow-up chains on the card, and a short brief in
   * escalation notices and approval alerts. Off unless set.
   */
  summaries: z.strictObject({
    /** A case whose thread (the post, its follow-ups and folded posts) has at least this many posts gets a summary. */
    minPosts: z.number().int().min(2).max(100).default(3),
    /** A post at least this long gets a summary. */
    minChars: z.number().int().min(100).max(100_000).default(400),
    /** Briefs in escalation notices and approval alerts. */
    briefs: z.boolean().default(true),
  }).optional(),
}).superRefine((a, ctx) => {
  if (a.provider === 'openai-compatible' && !a.baseURL) {
    ctx.addIssue({ code: 'custom', path: ['baseURL'], message: 'an OpenAI-compatible server needs its baseURL (for Ollama: http://127.0.0.1:11434/v1)' });
  }
  if (a.provider === 'azure' && !a.baseURL && !a.resource) {
    ctx.addIssue({ code: 'custom', path: ['resource'], message: 'Azure OpenAI needs the resource name (resource) or the baseURL' });
  }
});

export type AssistConfig = z.output<typeof AssistSchema>;
