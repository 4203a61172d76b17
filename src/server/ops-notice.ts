import type { ChatGateway } from '../app/chat-gateway.js';
import { teamsLeadChannels } from '../app/escalations.js';
import type { Config } from '../config/schema.js';
import type { CardView } from '../domain/case.js';
import { maskPersonalData } from '../screening/mask-personal-data.js';
import type { Logger } from '../util/logger.js';

/**
 * Posts a line to the ops channel (Slack) and to the Teams lead channels of groups bound to
 * Teams, masked. Reads the gateways when it posts, so it may be built before Slack or Teams
 * is up; without such a channel or surface it says nothing. A post that fails is logged: a
 * notice about trouble must not become more trouble.
 */
export function createOpsNotice(deps: { config: Config; gateways: ReadonlyMap<CardView['platform'], ChatGateway>; log: Logger }): (text: string) => Promise<void> {
  const { config, gateways, log } = deps;
  return async (text) => {
    const ops = config.slack.opsChannel;
    const g = gateways.get('slack');
    if (ops && g?.postNotice) await g.postNotice(ops, maskPersonalData(text, config)).catch((e: unknown) => log.warn({ err: e }, 'could not post to the ops channel'));
    const teams = gateways.get('teams');
    for (const channel of teams?.postNotice ? teamsLeadChannels(config) : []) {
      await teams!.postNotice!(channel, maskPersonalData(text, config)).catch((e: unknown) => log.warn({ err: e, channel }, 'could not post to a Teams lead channel'));
    }
  };
}
