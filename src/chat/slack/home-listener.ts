import type { App } from '@slack/bolt';
import type { Actor } from '../../domain/actor.js';
import type { Logger } from '../../util/logger.js';

export interface HomeListenerDeps {
  /** The person opened the Home tab (publishes their queue through the outbox). */
  opened: (person: Actor) => Promise<void>;
  log: Logger;
}

/**
 * `app_home_opened` (docs.slack.dev/reference/events/app_home_opened): sent each time a
 * person opens any of the app's tabs; `tab` says which. Only the Home tab shows the queue
 * (the Messages tab is the DM with the bot). Bolt acks the event; the view is published
 * through the outbox, paced as views.publish allows.
 */
export function registerHomeListener(app: App, deps: HomeListenerDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    try {
      await deps.opened({ platform: 'slack', id: event.user });
    } catch (e) {
      // An event has nobody to answer: the error handler's log is where this shows.
      deps.log.error({ err: e, user: event.user }, 'could not queue the App Home view');
      throw e;
    }
  });
}
