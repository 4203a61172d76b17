import type { CaseInteractions } from '../app/case-interactions.js';
import type { CommandRouter } from '../app/commands.js';
import type { PeopleNames } from '../app/people-directory.js';
import type { HomeViews } from '../app/personal-queue.js';
import { registerHomeListener } from '../chat/slack/home-listener.js';
import type { StormService } from '../app/storms.js';
import { registerSlackListeners } from '../chat/slack/slack-listeners.js';
import type { TypedStore } from '../chat/slack/typed-replies.js';
import { slackNameResolver, type SlackNameCache } from '../chat/slack/slack-name-resolver.js';
import { registerStormListeners } from '../chat/slack/storm-listeners.js';
import { uploadSlackImage } from '../chat/slack/upload-image.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SlackApp } from './slack-app.js';
import { explainSlackStartError } from './slack-start-error.js';
import type { WorkflowWiring } from './workflow-wiring.js';

export interface SlackWiringDeps {
  interactions: CaseInteractions;
  commands: CommandRouter;
  storms: StormService;
  workflow: WorkflowWiring;
  names: PeopleNames;
  clock: Clock;
  log: Logger;
  /** Shares Slack names between instances (users.info answers, cached for an hour). */
  nameCache?: SlackNameCache | undefined;
  /** Keeps what people type in draft modals while AI assist writes, for every instance (the store). */
  typedStore?: TypedStore | undefined;
  /** App Home: the personal queue, published when opened. */
  home?: Pick<HomeViews, 'opened'> | undefined;
  /** Where the Web API is, when not Slack's own (named in the start-up error). */
  slackApiUrl?: string | undefined;
}

/**
 * Connects the Slack app to the rest: case and storm listeners, the slash command, Slack's
 * people directory and thread notes, and Slack display names for metrics answers; then
 * initialises the app (its deferred auth.test).
 */
export async function wireSlack(slack: SlackApp, deps: SlackWiringDeps): Promise<void> {
  const { app, answers } = slack;
  const { log } = deps;
  // One users.info cache for every listener, shared with the other instances through the store.
  const byName = slackNameResolver(log, { cache: deps.nameCache });
  registerSlackListeners(app, { interactions: deps.interactions, commands: deps.commands, clock: deps.clock, log, uploadImage: uploadSlackImage, answers, resolve: byName, typedStore: deps.typedStore });
  registerStormListeners(app, { storms: deps.storms, log, answers });
  if (deps.home) { const home = deps.home; registerHomeListener(app, { opened: (p) => home.opened(p), log }); }
  deps.workflow.attachSlack(app, byName);
  deps.names.use(async (a) => (a.platform === 'slack' ? (await byName(app.client, { platform: 'slack', id: a.id })).name : undefined));
  // Bolt checks the token with auth.test here; the SDK's own error names neither Slack nor what to check.
  try {
    await app.init();
  } catch (e) {
    throw explainSlackStartError(e, deps.slackApiUrl);
  }
}
