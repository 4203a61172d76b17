import { AlertService } from '../app/alerts.js';
import { registerBudgetCommand } from '../app/budget-command.js';
import { caseCard } from '../app/case-card.js';
import { registerNotifyCommand } from '../app/notify-command.js';
import { HomeViews, PersonalQueues } from '../app/personal-queue.js';
import type { CoreServices } from './core-services.js';
import { replyWindows } from './operations.js';

/**
 * What reaches people one by one: personal alerts (DMs planned with every case change and
 * delivered through the outbox, `notify` to silence them), the budget command, and the
 * personal queue (Slack's App Home, refreshed through the outbox when a case in it changes;
 * the same lists in Teams' personal chat, handed to the Teams bot).
 */
export function wirePeople(core: CoreServices): { home: HomeViews; queues: PersonalQueues } {
  const { config, cases, outbox, store, gateways, clock, log, limits, commands, sources, names } = core;
  const alerts = new AlertService({ config, cases, outbox, store, gateways, clock, log, limits, directory: () => cases.directory });
  alerts.register();
  registerNotifyCommand(commands, { alerts, config });
  registerBudgetCommand(commands, { store, config, replyWindows: () => replyWindows(config, limits) });
  const queues = new PersonalQueues({ cases, config, store, commands, cardOf: caseCard({ config, sources, cases, names, clock }) });
  const home = new HomeViews({ queues, store, outbox, gateways, clock });
  home.registerDelivery();
  cases.onChange((prev, next) => home.onCaseChange(prev, next));
  return { home, queues };
}
