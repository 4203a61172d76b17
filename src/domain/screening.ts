import * as z from 'zod';

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const SENTIMENTS = ['negative', 'neutral', 'positive'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];
export const INTENTS = ['complaint', 'question', 'praise', 'request', 'lead', 'other'] as const;
export type Intent = (typeof INTENTS)[number];

export const RuleHitSchema = z.object({ rule: z.string(), why: z.string() });
export type RuleHit = z.infer<typeof RuleHitSchema>;

export const PiiFindingSchema = z.object({
  kind: z.string(),
  start: z.number().int(),
  end: z.number().int(),
});
export type PiiFinding = z.infer<typeof PiiFindingSchema>;

/** What screening concluded about a mention. Plain data, produced by pure code. */
export const ScreeningSchema = z.object({
  group: z.string(),
  tags: z.array(z.string()).default([]),
  priority: z.enum(PRIORITIES).default('normal'),
  drop: z.boolean().default(false),
  dropReason: z.string().optional(),
  language: z.string().optional(),
  sentiment: z.enum(SENTIMENTS).optional(),
  intent: z.enum(INTENTS).optional(),
  topic: z.string().optional(),
  pii: z.array(PiiFindingSchema).default([]),
  rulesFired: z.array(RuleHitSchema).default([]),
  secondApprover: z.boolean().default(false),
  /** Which classifier gave sentiment, intent and topic, when screening by the model is on (`assist.screening`). */
  by: z.enum(['model', 'built-in']).optional(),
  /** Why the built-in classifier decided although the model was asked (a stable code: model_timeout, budget, …). */
  fallback: z.string().max(64).optional(),
});
export type Screening = z.infer<typeof ScreeningSchema>;
