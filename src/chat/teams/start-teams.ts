import type { Request, Response } from 'express';
import { CallerIdConstants, CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type ConfigurationBotFrameworkAuthenticationOptions, type TurnContext } from 'botbuilder';
import { AuthenticationConstants, AuthenticationError } from 'botframework-connector';
import type { CaseInteractions } from '../../app/case-interactions.js';
import type { CaseService } from '../../app/case-service.js';
import type { CommandRouter } from '../../app/commands.js';
import type { StormService } from '../../app/storms.js';
import type { Env } from '../../config/env.js';
import type { Config } from '../../config/schema.js';
import type { MentionSource } from '../../sources/mention-source.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { ChannelReferences } from './channel-references.js';
import { TeamsBot } from './teams-bot.js';
import { TeamsGateway } from './teams-gateway.js';

export interface TeamsDeps {
  env: Env;
  config: Config;
  store: Store;
  cases: CaseService;
  interactions: CaseInteractions;
  commands: CommandRouter;
  sources: ReadonlyMap<string, MentionSource>;
  /** Storm mode, for the storm cards' buttons. */
  storms?: StormService | undefined;
  clock: Clock;
  log: Logger;
}

/** Teams as the server mounts it: the handler for POST /api/messages and, when on, the gateway. */
export interface TeamsSurface {
  /** `authenticated`: Bot Framework tokens checked; `local-dev`: nothing checked; `off`: every request refused. */
  mode: 'authenticated' | 'local-dev' | 'off';
  /** Why Teams is off, in words for the operator. */
  reason?: string;
  gateway?: TeamsGateway;
  channels: ChannelReferences;
  handle(req: Request, res: Response): Promise<void>;
}

// botframework-connector rethrows jsonwebtoken's own errors for a bad signature or a
// malformed token (jwtTokenExtractor.js), which CloudAdapter.process answers with 500.
const JWT_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);
const isAuthFailure = (e: unknown): boolean => e instanceof AuthenticationError || JWT_ERRORS.has((e as Error | undefined)?.name ?? '');

/** What CloudAdapter.process does to a parsed body before processing it (botbuilder activityValidator.js). */
function withDates(activity: Record<string, unknown>): Activity {
  for (const [field, raw] of [['timestamp', 'rawTimestamp'], ['localTimestamp', 'rawLocalTimestamp'], ['expiration', 'rawExpiration']] as const) {
    const value = activity[field];
    if (typeof value === 'string') Object.assign(activity, { [raw]: value, [field]: new Date(value) });
  }
  return activity as unknown as Activity;
}

/** CloudAdapter, with its authenticate-then-run step reachable, so the HTTP answer is ours to choose. */
class TeamsAdapter extends CloudAdapter {
  run(authHeader: string, activity: Activity, logic: (ctx: TurnContext) => Promise<void>) {
    return this.processActivity(authHeader, activity, logic);
  }
}

type Auth = { mode: 'authenticated' | 'local-dev'; options: ConfigurationBotFrameworkAuthenticationOptions; appId: string } | { mode: 'off'; reason: string };

/** Chooses how Bot Framework requests are authenticated, from the environment. */
function authFrom(env: Env): Auth {
  const appId = env.MICROSOFT_APP_ID;
  if (!appId) {
    if (env.TEAMS_LOCAL_DEV) return { mode: 'local-dev', options: {}, appId: '' };
    return { mode: 'off', reason: 'Teams is off: MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD are not set (TEAMS_LOCAL_DEV=true serves Teams without authentication, for local development only)' };
  }
  if (env.MICROSOFT_APP_TYPE !== 'UserAssignedMSI' && !env.MICROSOFT_APP_PASSWORD) {
    return { mode: 'off', reason: 'Teams is off: MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not (Azure bot → Configuration → Manage password)' };
  }
  if (env.MICROSOFT_APP_TYPE !== 'MultiTenant' && !env.MICROSOFT_APP_TENANT_ID) {
    return { mode: 'off', reason: `Teams is off: MICROSOFT_APP_TYPE is ${env.MICROSOFT_APP_TYPE}, which needs MICROSOFT_APP_TENANT_ID` };
  }
  const options: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: appId,
    MicrosoftAppType: env.MICROSOFT_APP_TYPE,
    ...(env.MICROSOFT_APP_PASSWORD ? { MicrosoftAppPassword: env.MICROSOFT_APP_PASSWORD } : {}),
    ...(env.MICROSOFT_APP_TENANT_ID ? { MicrosoftAppTenantId: env.MICROSOFT_APP_TENANT_ID } : {}),
  };
  if (env.TEAMS_OPENID_METADATA_URL) {
    // Naming one endpoint makes botbuilder expect all of them
    // (botframework-connector botFrameworkAuthenticationFactory.js): public-cloud values
    // for everything but where the signing keys are published.
    Object.assign(options, {
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      ToBotFromChannelOpenIdMetadataUrl: env.TEAMS_OPENID_METADATA_URL,
      ToBotFromEmulatorOpenIdMetadataUrl: env.TEAMS_OPENID_METADATA_URL,
      CallerId: CallerIdConstants.PublicAzureChannel,
    });
  }
  return { mode: 'authenticated', options, appId };
}

/**
 * Sets up Teams: Bot Framework's CloudAdapter behind POST /api/messages, authenticated
 * with the app's credentials; without them every request is refused (503) unless
 * TEAMS_LOCAL_DEV is on. Logs which of the three it is.
 */
export function startTeams(deps: TeamsDeps): TeamsSurface {
  const { env, log, clock } = deps;
  const channels = new ChannelReferences(deps.store, clock);
  const auth = authFrom(env);

  if (auth.mode === 'off') {
    const usesTeams = deps.config.groups.some((g) => g.teams);
    (usesTeams ? log.error.bind(log) : log.info.bind(log))({ teams: 'off' }, auth.reason);
    let lastWarning = 0;
    return {
      mode: 'off', reason: auth.reason, channels,
      async handle(_req, res) {
        // Once a minute at most: a misrouted webhook must not flood the log.
        const now = clock.now().getTime();
        if (now - lastWarning > 60_000) {
          lastWarning = now;
          log.warn({ teams: 'off' }, `Teams request refused: ${auth.reason}`);
        }
        res.status(503).json({ error: auth.reason });
      },
    };
  }

  const adapter = new TeamsAdapter(new ConfigurationBotFrameworkAuthentication(auth.options));
  adapter.onTurnError = async (ctx, error) => {
    log.error({ err: error, type: ctx.activity.type, name: ctx.activity.name }, 'Teams turn failed');
    if (ctx.activity.type === 'message') await ctx.sendActivity('Something went wrong; the error is in the bot log.').catch(() => undefined);
  };
  const bot = new TeamsBot({ cases: deps.cases, interactions: deps.interactions, channels, commands: deps.commands, config: deps.config, sources: deps.sources, storms: deps.storms, clock, log, tenantId: env.MICROSOFT_APP_TENANT_ID });
  const gateway = new TeamsGateway({ adapter, appId: auth.appId, channels, store: deps.store });
  if (auth.mode === 'local-dev') {
    log.warn({ teams: 'local-dev' }, 'Teams is served WITHOUT authentication (TEAMS_LOCAL_DEV=true): anyone who can reach /api/messages can act as any user. Local development only.');
  } else {
    log.info({ teams: 'authenticated', appId: auth.appId, appType: env.MICROSOFT_APP_TYPE, tenant: env.MICROSOFT_APP_TENANT_ID ?? 'any' }, 'Teams is on: Bot Framework requests are authenticated');
    if (env.TEAMS_LOCAL_DEV) log.warn('TEAMS_LOCAL_DEV is ignored: app credentials are set, so Teams requests are authenticated');
  }
  // Say at start which bindings cannot work yet, rather than at the first mention.
  void (async () => {
    for (const g of deps.config.groups) {
      if (!g.teams) continue;
      const found = await channels.resolve(g.teams.channel);
      if (!found.ok) log.warn({ group: g.id }, `Teams: group "${g.id}" cannot post yet. ${found.problem}`);
    }
  })().catch((e: unknown) => log.warn({ err: e }, 'could not check the Teams channel bindings'));

  return {
    mode: auth.mode, channels, gateway,
    // CloudAdapter.process, except that every authentication failure is a 401 and is logged.
    async handle(req, res) {
      const body = req.body as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object' || typeof body.type !== 'string') {
        res.status(400).json({ error: 'expected a Bot Framework activity as JSON' });
        return;
      }
      try {
        const answer = await adapter.run(req.get('authorization') ?? '', withDates(body), (ctx) => bot.run(ctx));
        res.status(answer?.status ?? 200);
        if (answer?.body === undefined) res.end();
        else res.json(answer.body);
      } catch (e) {
        if (isAuthFailure(e)) {
          log.warn({ ip: req.ip, reason: (e as Error).message }, 'Teams request refused: no valid Bot Framework token (401)');
          res.status(401).json({ error: 'Unauthorized' });
          return;
        }
        log.error({ err: e, type: body.type }, 'Teams request failed');
        res.status(500).json({ error: 'internal error; see the bot log' });
      }
    },
  };
}
