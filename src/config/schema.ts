import * as z from 'zod';
import { INTENTS, PRIORITIES, SENTIMENTS } from '../domain/screening.js';
import { NETWORKS } from '../domain/mention.js';
import { AssistSchema } from './assist-schema.js';
import { durationField } from './duration.js';
import { DEFAULT_DUPLICATES_CONFIG, DuplicatesConfigSchema } from './duplicates-schema.js';
import { DEFAULT_PRIVATE_CHANNEL, PrivateChannelSchema } from './private-schema.js';
import { DEFAULT_LIMITS_CONFIG, DEFAULT_STORM_CONFIG, LimitsConfigSchema, StormConfigSchema } from './storm-schema.js';
import {
  AssignSchema, AvailabilitySchema, checkWorkflowConfig, JobsSchema, PolicySchema, PrincipalSchema, RetentionSchema, SlaSchema,
} from './workflow-schema.js';

export { PolicySchema };

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, {
  error: 'use lower-case letters, digits, "-" or "_" (max 40), starting with a letter or digit',
});

/** Where a skill group's cards go. A group may be bound to Slack, Teams, or both. */
const SlackBinding = z.strictObject({
  channel: z.string().regex(/^[CG][A-Z0-9]{2,}$/, { error: 'a Slack channel id like C0123ABCD (right-click the channel → Copy link)' }),
});
const TeamsBinding = z.strictObject({
  /** A Teams channel id (19:…@thread.tacv2) or its display name as captured at install. */
  channel: z.string().min(1),
  /**
   * Where the group's leads read in Teams (a channel id or display name, as `channel`):
   * escalations, SLA breaches, the digest and ops notices go there too.
   */
  leadChannel: z.string().min(1).optional(),
});

export const GroupSchema = z.strictObject({
  id,
  name: z.string().min(1).optional(),
  slack: SlackBinding.optional(),
  teams: TeamsBinding.optional(),
  /** Where SLA escalations for this group go (a Slack channel id). */
  leadChannel: z.string().optional(),
  /**
   * The group's leads: the people an escalation tells personally (users, Slack user groups
   * or `group:<name>`), besides the lead channel.
   */
  leads: z.array(PrincipalSchema).optional(),
  /**
   * Which events send a personal alert (a direct message from the bot) in this group; each
   * is on unless set to false here.
   */
  alerts: z.strictObject({
    /** An assignment offer, to the chosen agent. */
    assignment: z.boolean().default(true),
    /** A draft waiting for approval, to the approvers who may approve it. */
    approval: z.boolean().default(true),
    /** A draft sent back, to its author. */
    sentBack: z.boolean().default(true),
    /** An SLA reminder or a lapsing claim, to the owner. */
    sla: z.boolean().default(true),
    /** An escalation, to the leads. */
    escalation: z.boolean().default(true),
  }).optional(),
  /** Assign or suggest an agent for each new case (routing to people). */
  assign: AssignSchema.optional(),
});

const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time like 09:00' });

/** The conditions of a rule. All given conditions must hold. */
export const RuleWhenSchema = z.strictObject({
  /** Any of these words or phrases (case-insensitive, whole words). */
  keywords: z.array(z.string().min(1)).optional(),
  /** Every one of these words or phrases. */
  allKeywords: z.array(z.string().min(1)).optional(),
  /** None of these words or phrases. */
  noneKeywords: z.array(z.string().min(1)).optional(),
  /** A boolean query: words, "quoted phrases", AND, OR, NOT and parentheses. */
  query: z.string().min(1).optional(),
  /** A regular expression (JavaScript syntax, matched case-insensitively). */
  regex: z.string().min(1).optional(),
  /** ISO 639-1 codes; matches the detected language. */
  language: z.array(z.string().min(2).max(3)).optional(),
  sentiment: z.array(z.enum(SENTIMENTS)).optional(),
  intent: z.array(z.enum(INTENTS)).optional(),
  network: z.array(z.enum(NETWORKS)).optional(),
  author: z.strictObject({
    minFollowers: z.number().int().nonnegative().optional(),
    verified: z.boolean().optional(),
    /** The author is on the VIP list. */
    vip: z.boolean().optional(),
    /** The author is on the blocked list. */
    blocked: z.boolean().optional(),
    handles: z.array(z.string()).optional(),
  }).optional(),
  /** Only within this weekly time window. */
  time: z.strictObject({
    days: z.array(Weekday).optional(),
    from: HHMM.optional(),
    to: HHMM.optional(),
    timezone: z.string().default('UTC'),
  }).optional(),
});

export const RuleThenSchema = z.strictObject({
  route: id.optional(),
  tag: z.array(z.string().min(1)).optional(),
  priority: z.enum(PRIORITIES).optional(),
  drop: z.boolean().optional(),
  secondApprover: z.boolean().optional(),
});

export const RuleSchema = z.strictObject({
  name: z.string().min(1),
  when: RuleWhenSchema,
  then: RuleThenSchema,
  /** Stop evaluating further rules once this one fires. */
  final: z.boolean().default(false),
});

export const SourceSchema = z.strictObject({
  name: id,
  network: z.enum(NETWORKS),
  enabled: z.boolean().default(true),
  /** Search queries, in the network's own syntax (for X: recent search operators). */
  queries: z.array(z.string().min(1).max(512)).min(1, { error: 'list at least one query' }),
  interval: durationField(5_000, 'like 60s or 5m; at least 5s').default(60_000),
  /**
   * `poll` (the default) asks the network every `interval`; `stream` keeps a push connection
   * open where the network has one (X filtered stream, Bluesky Jetstream, Mastodon
   * streaming), with polling as the fallback while it is down and the gap-filler after.
   */
  mode: z.enum(['poll', 'stream']).default('poll'),
  /** Pages of results fetched per query and poll (X returns up to 100 per page). */
  maxPages: z.number().int().min(1).max(50).default(5),
  /** Request budget: per rate-limit window and per month (the team's API tier). */
  budget: z.strictObject({
    perWindow: z.number().int().positive().default(60),
    window: durationField(60_000).default(900_000),
    perMonth: z.number().int().positive().optional(),
  }).optional(),
  /** Network-specific settings (feed URLs, subreddits, instance URL…). */
  options: z.record(z.string(), z.unknown()).optional(),
});

export const TemplateSchema = z.strictObject({
  id,
  name: z.string().min(1),
  /** Reply text; `{{author.name}}`, `{{author.handle}}`, `{{case.id}}` are replaced. */
  text: z.string().min(1),
  groups: z.array(id).optional(),
  intents: z.array(z.enum(INTENTS)).optional(),
  /** Topics (as screening names them) the template answers. */
  topics: z.array(z.string().min(1)).optional(),
  /** Words in the mention that make this template a better match. */
  keywords: z.array(z.string().min(1)).optional(),
  /** Offered for personal-data mentions: invites the author to a private channel. */
  private: z.boolean().default(false),
});

/** A user named in policy: `slack:U0123ABCD` or `teams:<AAD object id>`. */
const ActorRef = z.string().regex(/^(slack|teams):[A-Za-z0-9._@-]+$/, {
  error: 'name a user as slack:U0123ABCD or teams:<AAD object id>',
});


export const BrandSchema = z.strictObject({
  name: z.string().min(1),
  /** The brand's own accounts per network; their posts are never ingested. */
  handles: z.partialRecord(z.enum(NETWORKS), z.array(z.string().min(1))).default({}),
  /** Flight/order number patterns the brand publishes: never treated as personal data. */
  publicNumberPatterns: z.array(z.string()).default([]),
});

export const ConfigSchema = z
  .strictObject({
    brand: BrandSchema,
    sources: z.array(SourceSchema).min(1, { error: 'list at least one source' }),
    groups: z.array(GroupSchema).min(1, { error: 'list at least one skill group' }),
    routing: z.strictObject({
      fallback: id,
      rules: z.array(RuleSchema).default([]),
    }),
    lists: z.strictObject({
      vip: z.array(z.string()).default([]),
      blocked: z.array(z.string()).default([]),
    }).default({ vip: [], blocked: [] }),
    policy: PolicySchema.default(PolicySchema.parse({})),
    templates: z.array(TemplateSchema).default([]),
    /** Private conversations: personal data in private replies, the secure hand-off. */
    privateChannel: PrivateChannelSchema.default(DEFAULT_PRIVATE_CHANNEL),
    /** Links templates may use as {{links.<name>}}. */
    links: z.record(z.string().regex(/^[a-z0-9_-]{1,40}$/), z.url({ protocol: /^https?$/ })).default({}),
    /** When people are available for assignment (working hours). */
    availability: AvailabilitySchema.default({ people: {} }),
    /** Service-level targets in business hours; reminders and escalations. */
    sla: SlaSchema.optional(),
    /** Purge cases and the personal data in them after a number of days. */
    retention: RetentionSchema.optional(),
    jobs: JobsSchema.default({ sweepInterval: 60_000, retentionInterval: 3_600_000, metricsSealInterval: 3_600_000 }),
    /** Managers' numbers: time zone of "today", campaign hashtags, who sees everyone's figures, the digest. */
    metrics: z.strictObject({
      timezone: z.string().default('UTC'),
      /** Campaign hashtags (without #) whose volume is reported. */
      campaigns: z.array(z.string().min(1)).default([]),
      /** Who may see other agents' numbers (approvers always may). */
      viewers: z.array(ActorRef).default([]),
      digest: z.strictObject({
        /** A Slack channel id for the digest. */
        channel: z.string().min(1),
        /** daily or weekly (Mondays). */
        every: z.enum(['daily', 'weekly']).default('daily'),
        at: HHMM.default('08:00'),
        timezone: z.string().optional(),
      }).optional(),
    }).default({ timezone: 'UTC', campaigns: [], viewers: [] }),
    /** Storm mode: one live card per topic when a group's mentions outrun its channel. */
    storm: StormConfigSchema.default(DEFAULT_STORM_CONFIG),
    /** Near-duplicates: a post close to an open case's joins it (a count and samples on its card). */
    duplicates: DuplicatesConfigSchema.default(DEFAULT_DUPLICATES_CONFIG),
    /** The APIs' rate limits Earshot paces itself to (the documented ones by default). */
    limits: LimitsConfigSchema.default(DEFAULT_LIMITS_CONFIG),
    /** AI assist: suggested drafts from a language model. Off (nothing sent anywhere) unless set. */
    assist: AssistSchema.optional(),
    slack: z.strictObject({
      mode: z.enum(['http', 'socket']).default('http'),
      /** Channel for operational notices (source failures, etc.). */
      opsChannel: z.string().optional(),
    }).default({ mode: 'http' }),
  })
  // Runs even when fields are invalid (`when`), so one pass reports every problem;
  // hence the defensive reads of possibly malformed input.
  .superRefine((raw, ctx) => {
    const cfg = raw as Partial<Record<string, unknown>>;
    const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
    const groupsList = arr<{ id?: unknown; slack?: unknown; teams?: unknown }>(cfg.groups);
    const groups = new Set(groupsList.map((g) => String(g?.id)));
    const dup = (items: Array<Record<string, unknown> | undefined>, field: string, path: string) => {
      const seen = new Set<string>();
      items.forEach((t, i) => {
        const k = t?.[field];
        if (typeof k !== 'string') return;
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [path, i], message: `duplicate id "${k}"` });
        seen.add(k);
      });
    };
    dup(groupsList as Array<Record<string, unknown>>, 'id', 'groups');
    dup(arr(cfg.sources), 'name', 'sources');
    dup(arr(cfg.templates), 'id', 'templates');
    const known = [...groups].join(', ');
    const routing = (cfg.routing ?? {}) as { fallback?: unknown; rules?: unknown };
    if (typeof routing.fallback === 'string' && !groups.has(routing.fallback)) {
      ctx.addIssue({ code: 'custom', path: ['routing', 'fallback'], message: `unknown group "${routing.fallback}" (groups: ${known})` });
    }
    arr<{ when?: Record<string, unknown>; then?: { route?: unknown } }>(routing.rules).forEach((r, i) => {
      const route = r?.then?.route;
      if (typeof route === 'string' && !groups.has(route)) {
        ctx.addIssue({ code: 'custom', path: ['routing', 'rules', i, 'then', 'route'], message: `unknown group "${route}" (groups: ${known})` });
      }
      const regex = r?.when?.regex;
      if (typeof regex === 'string') {
        try { new RegExp(regex, 'iu'); } catch (e) {
          ctx.addIssue({ code: 'custom', path: ['routing', 'rules', i, 'when', 'regex'], message: `not a valid regular expression: ${(e as Error).message}` });
        }
      }
      if (r?.when && typeof r.when === 'object' && Object.keys(r.when).length === 0) {
        ctx.addIssue({ code: 'custom', path: ['routing', 'rules', i, 'when'], message: 'a rule needs at least one condition' });
      }
    });
    arr<{ groups?: unknown }>(cfg.templates).forEach((t, i) => arr<unknown>(t?.groups).forEach((g, j) => {
      if (typeof g === 'string' && !groups.has(g)) ctx.addIssue({ code: 'custom', path: ['templates', i, 'groups', j], message: `unknown group "${g}" (groups: ${known})` });
    }));
    groupsList.forEach((g, i) => {
      if (g && typeof g === 'object' && !g.slack && !g.teams) ctx.addIssue({ code: 'custom', path: ['groups', i], message: 'bind the group to a Slack channel (slack.channel) or a Teams channel (teams.channel)' });
    });
    checkWorkflowConfig(cfg, groups, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
    const brand = (cfg.brand ?? {}) as { publicNumberPatterns?: unknown };
    arr<unknown>(brand.publicNumberPatterns).forEach((p, i) => {
      if (typeof p !== 'string') return;
      try { new RegExp(p, 'u'); } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['brand', 'publicNumberPatterns', i], message: `not a valid regular expression: ${(e as Error).message}` });
      }
    });
  }, { when: () => true });

export type ConfigInput = z.input<typeof ConfigSchema>;
export type Config = z.output<typeof ConfigSchema>;
export type GroupConfig = Config['groups'][number];
export type SourceConfig = Config['sources'][number];
export type Rule = Config['routing']['rules'][number];
export type Template = Config['templates'][number];
export type Policy = Config['policy'];
