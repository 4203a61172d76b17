import type { Env } from '../../config/env.js';
import { ChannelReferences } from './channel-references.js';
import type { TeamsAuth, TeamsDeps, TeamsSurface } from './teams-surface.js';

export type { TeamsAuth, TeamsDeps, TeamsSurface } from './teams-surface.js';

/** Chooses how Bot Framework requests are authenticated, from the environment. */
export function teamsAuth(env: Env): TeamsAuth {
  const appId = env.MICROSOFT_APP_ID;
  if (!appId) {
    if (env.TEAMS_LOCAL_DEV) return { mode: 'local-dev', appId: '' };
    return { mode: 'off', reason: 'Teams is off: MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD are not set (TEAMS_LOCAL_DEV=true serves Teams without authentication, for local development only)' };
  }
  if (env.MICROSOFT_APP_TYPE !== 'UserAssignedMSI' && !env.MICROSOFT_APP_PASSWORD) {
    return { mode: 'off', reason: 'Teams is off: MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not (Azure bot → Configuration → Manage password)' };
  }
  if (env.MICROSOFT_APP_TYPE !== 'MultiTenant' && !env.MICROSOFT_APP_TENANT_ID) {
    return { mode: 'off', reason: `Teams is off: MICROSOFT_APP_TYPE is ${env.MICROSOFT_APP_TYPE}, which needs MICROSOFT_APP_TENANT_ID` };
  }
  return { mode: 'authenticated', appId };
}

/**
 * Sets up Teams: Bot Framework's CloudAdapter behind POST /api/messages, authenticated
 * with the app's credentials; without them every request is refused (503) unless
 * TEAMS_LOCAL_DEV is on. Logs which of the three it is. botbuilder takes seconds to load,
 * so the adapter is imported only when Teams is on: a bot without Teams starts without it.
 */
export async function startTeams(deps: TeamsDeps): Promise<TeamsSurface> {
  const { env, log, clock } = deps;
  const channels = new ChannelReferences(deps.store, clock);
  const auth = teamsAuth(env);

  if (auth.mode === 'off') {
    const usesTeams = deps.bindings.length > 0;
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

  const { startTeamsAdapter } = await import('./start-teams-adapter.js');
  return startTeamsAdapter(deps, auth, channels);
}
