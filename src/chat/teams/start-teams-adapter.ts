import { CallerIdConstants, CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type ConfigurationBotFrameworkAuthenticationOptions, type TurnContext } from 'botbuilder';
import { AuthenticationConstants, AuthenticationError } from 'botframework-connector';
import type { Env } from '../../config/env.js';
import type { ChannelReferences } from './channel-references.js';
import type { TeamsAuth, TeamsDeps, TeamsSurface } from './teams-surface.js';
import { TeamsBot } from './teams-bot.js';
import { TeamsGateway } from './teams-gateway.js';
import { PersonalReferences } from './personal-references.js';

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

/** botbuilder's options for the app credentials in the environment (teamsAuth checked they are complete). */
function authOptions(env: Env, appId: string): ConfigurationBotFrameworkAuthenticationOptions {
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
  return options;
}

/**
 * Teams when it is on (authenticated or local-dev): the CloudAdapter, the bot and the
 * gateway. Only {@link startTeams} imports this module, and only then, since botbuilder
 * takes seconds to load.
 */
export function startTeamsAdapter(deps: TeamsDeps, auth: Exclude<TeamsAuth, { mode: 'off' }>, channels: ChannelReferences): TeamsSurface {
  const { env, log, clock } = deps;
  const adapter = new TeamsAdapter(new ConfigurationBotFrameworkAuthentication(auth.mode === 'local-dev' ? {} : authOptions(env, auth.appId)));
  adapter.onTurnError = async (ctx, error) => {
    log.error({ err: error, type: ctx.activity.type, name: ctx.activity.name }, 'Teams turn failed');
    if (ctx.activity.type === 'message') await ctx.sendActivity('Something went wrong; the error is in the bot log.').catch(() => undefined);
  };
  const personal = new PersonalReferences(deps.store, clock);
  const bot = new TeamsBot({ cases: deps.cases, interactions: deps.interactions, channels, personal, commands: deps.commands, cardOf: deps.cardOf, queue: deps.queue, storms: deps.storms, names: deps.names, clock, log, tenantId: env.MICROSOFT_APP_TENANT_ID });
  const gateway = new TeamsGateway({ adapter, appId: auth.appId, channels, store: deps.store, personal });
  if (auth.mode === 'local-dev') {
    log.warn({ teams: 'local-dev' }, 'Teams is served WITHOUT authentication (TEAMS_LOCAL_DEV=true): anyone who can reach /api/messages can act as any user. Local development only.');
  } else {
    log.info({ teams: 'authenticated', appId: auth.appId, appType: env.MICROSOFT_APP_TYPE, tenant: env.MICROSOFT_APP_TENANT_ID ?? 'any' }, 'Teams is on: Bot Framework requests are authenticated');
    if (env.TEAMS_LOCAL_DEV) log.warn('TEAMS_LOCAL_DEV is ignored: app credentials are set, so Teams requests are authenticated');
  }
  // Say at start which bindings cannot work yet, rather than at the first mention.
  void (async () => {
    for (const b of deps.bindings) {
      const found = await channels.resolve(b.channel);
      if (!found.ok) log.warn({ group: b.group }, `Teams: group "${b.group}" cannot post yet. ${found.problem}`);
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
