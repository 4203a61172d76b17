import * as z from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalSecret = z.string().trim().min(1).optional().or(z.literal('').transform(() => undefined));

/**
 * Every environment variable Earshot reads, validated once at start. Secrets live here,
 * never in the YAML file.
 */
export const EnvSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', { error: 'must start with "xoxb-" (OAuth & Permissions → Bot User OAuth Token)' }).optional(),
    SLACK_SIGNING_SECRET: optionalSecret,
    SLACK_APP_TOKEN: z.string().startsWith('xapp-', { error: 'must start with "xapp-" (Basic Information → App-Level Tokens, scope connections:write)' }).optional(),
    /** Base URL of the Slack Web API; point it at a local server for tests or the sandbox. */
    SLACK_API_URL: z.url().optional(),
    X_BEARER_TOKEN: optionalSecret,
    X_API_KEY: optionalSecret,
    X_API_SECRET: optionalSecret,
    X_ACCESS_TOKEN: optionalSecret,
    X_ACCESS_SECRET: optionalSecret,
    /** Base URL of the X API (v2 paths are appended); for tests and the sandbox. */
    X_API_URL: z.url().optional(),
    /** Bluesky: the PDS the brand account lives on (most accounts: https://bsky.social). */
    BLUESKY_SERVICE_URL: z.url().default('https://bsky.social'),
    /** The brand's Bluesky handle (or its DID). */
    BLUESKY_HANDLE: optionalSecret,
    /** An app password (Settings → Privacy and security → App passwords), never the account password. */
    BLUESKY_APP_PASSWORD: optionalSecret,
    /** Mastodon: the brand account's instance, e.g. https://mastodon.social. */
    MASTODON_URL: z.url().optional(),
    /** An access token of the brand account (Preferences → Development → New application; scopes read, write:statuses). */
    MASTODON_ACCESS_TOKEN: optionalSecret,
    /** Reddit "script" app credentials (https://www.reddit.com/prefs/apps) and the brand account that owns it. */
    REDDIT_CLIENT_ID: optionalSecret,
    REDDIT_CLIENT_SECRET: optionalSecret,
    REDDIT_USERNAME: optionalSecret,
    REDDIT_PASSWORD: optionalSecret,
    /** Reddit asks for a descriptive User-Agent; the default names Earshot and REDDIT_USERNAME. */
    REDDIT_USER_AGENT: optionalSecret,
    /** Where Reddit tokens come from, and the OAuth API base; for tests and the sandbox. */
    REDDIT_AUTH_URL: z.url().default('https://www.reddit.com'),
    REDDIT_API_URL: z.url().default('https://oauth.reddit.com'),
    MICROSOFT_APP_ID: optionalSecret,
    MICROSOFT_APP_PASSWORD: optionalSecret,
    MICROSOFT_APP_TENANT_ID: optionalSecret,
    MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
    /** Serve Teams without Bot Framework authentication. Local development only. */
    TEAMS_LOCAL_DEV: bool,
    /**
     * Where the keys that sign inbound Bot Framework requests are published (OpenID
     * metadata). Defaults to Bot Framework's own; point it at a local server for tests.
     */
    TEAMS_OPENID_METADATA_URL: z.url().optional(),
    STORE_URL: z
      .string()
      .default('sqlite://./data/earshot.sqlite')
      .refine((v) => /^(sqlite|redis|rediss|postgres|postgresql):\/\//.test(v), {
        error: 'use sqlite://<file>, redis://host:port or postgresql://user@host:port/db',
      }),
    /** Prefix of every key Earshot writes, so several deployments can share one server. */
    STORE_NAMESPACE: z.string().regex(/^[a-z0-9_-]{1,32}$/).default('earshot'),
    PORT: z
      .string()
      .default('3000')
      .transform((v, ctx) => {
        const n = Number(v);
        if (!/^\d+$/.test(v.trim()) || n > 65535) {
          ctx.addIssue({ code: 'custom', message: `must be a port number (0-65535), got "${v.slice(0, 20)}"` });
          return z.NEVER;
        }
        return n;
      }),
    HOST: z.string().default('0.0.0.0'),
    /** A screening model file made by `earshot train`; without it screening uses its lexicon and rules. */
    SCREENING_MODEL: z.string().min(1).optional(),
    /** Signs the secure hand-off tokens (privateChannel.handoff): at least 32 characters, random, shared with the brand's site that verifies them. */
    HANDOFF_SECRET: z.string().trim().min(32, { error: 'use at least 32 random characters (e.g. openssl rand -base64 48)' }).optional().or(z.literal('').transform(() => undefined)),
    /** The key of the AI assist model's API (the default assist.keyEnv); unused while assist is off. */
    ASSIST_API_KEY: optionalSecret,
    /** Log instead of posting replies publicly. */
    DRY_RUN: bool,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** A stable name for this instance (leases, logs); defaults to host and pid. */
    INSTANCE_ID: z.string().optional(),
  });

export type Env = z.output<typeof EnvSchema>;
