import type * as z from 'zod';

/**
 * One request to a language model: fixed instructions, and the data they are about kept
 * apart (a post is data, never instructions). The answer must parse as `schema`.
 */
export interface ModelRequest<T> {
  /** The instructions; they never contain a post's text. */
  instructions: string;
  /** The data, as one delimited block (JSON), sent as the user's message. */
  data: string;
  /** What the answer must be (validated; anything else is refused). */
  schema: z.ZodType<T>;
  /** A short name for the schema, for providers that want one. */
  schemaName: string;
  maxOutputTokens: number;
  /** Aborts the request (the timeout). */
  signal: AbortSignal;
}

/** The model's answer, validated, and what it cost. */
export interface ModelAnswer<T> {
  value: T;
  /** Prompt and answer tokens, as the provider counted them. */
  tokens: number;
}

/** Why a model gave no usable answer; `code` is stable, the message is for the log. */
export class ModelCallError extends Error {
  constructor(
    readonly code: 'model_timeout' | 'model_rate_limited' | 'model_unavailable' | 'model_malformed' | 'model_refused',
    message: string,
    /** Tokens spent even so (an answer that did not parse still cost them). */
    readonly tokens = 0,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/**
 * The language-model port: AI assist asks it for structured answers. The adapter
 * (src/assist/ai-sdk-model.ts) speaks to an OpenAI-compatible server, Azure OpenAI or
 * Anthropic; nothing else in Earshot knows which.
 */
export interface LanguageModel {
  /** `provider:model`, for logs and the approver's note. */
  readonly name: string;
  generate<T>(request: ModelRequest<T>): Promise<ModelAnswer<T>>;
}
