import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { isChoiceAction, isFormAction, type CaseInteractions } from '../../app/case-interactions.js';
import type { PersonalQueue } from '../../app/personal-queue-model.js';
import type { Actor } from '../../domain/actor.js';
import type { Clock } from '../../util/clock.js';
import { parseTeamsAction } from './parse-teams-action.js';
import { ADAPTIVE_CARD_TYPE, type AdaptiveCard } from './render-adaptive-card.js';
import { QUEUE_REFRESH, QUEUE_VIEWS, renderTeamsQueue, renderTeamsWelcome, type QueueView } from './render-teams-queue.js';
import { say, toastOf } from './teams-answers.js';
import { cardActivity } from './teams-gateway.js';

/**
 * The commands only the personal (1:1) chat answers, as the manifest's personal command
 * list declares them; the other commands are the router's, the same on every surface.
 */
export const TEAMS_PERSONAL_COMMANDS = [
  { title: 'my queue', description: 'Your cases, drafts waiting for your approval and cases near their SLA, with their buttons' },
  { title: 'approvals', description: 'Drafts waiting for your approval, with Approve and Send back' },
] as const;

const VIEW_OF: Record<(typeof TEAMS_PERSONAL_COMMANDS)[number]['title'], QueueView> = { 'my queue': 'all', approvals: 'approvals' };

/** The queue a typed text asks for (`my queue`, `approvals`, any case and spacing), if it is one of them. */
export function queueViewOf(text: string): QueueView | undefined {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  return Object.hasOwn(VIEW_OF, t) ? VIEW_OF[t as keyof typeof VIEW_OF] : undefined;
}

/** Whether an invoke came from a queue card (a button on it, or Teams refreshing it), and which view. */
export function queueClickOf(value: unknown): { view: QueueView; refresh: boolean } | undefined {
  const v = value as { action?: { verb?: unknown; data?: { queue?: unknown } }; queue?: unknown } | undefined;
  const view = v?.action?.data?.queue ?? v?.queue;
  if (typeof view !== 'string' || !(QUEUE_VIEWS as readonly string[]).includes(view)) return undefined;
  return { view: view as QueueView, refresh: v?.action?.verb === QUEUE_REFRESH };
}

export interface TeamsPersonalChatDeps {
  /** A person's queue (the same lists as Slack's App Home); absent: the commands say it is not available. */
  queue?: ((person: Actor, now: Date) => Promise<PersonalQueue>) | undefined;
  interactions: CaseInteractions;
  clock: Clock;
}

/**
 * The personal chat beyond alerts: the welcome card on first contact, and the personal
 * queue (`my queue`, `approvals`) as a card whose buttons act on the cases exactly like the
 * channel card's, answered with the queue as it is after the click.
 */
export class TeamsPersonalChat {
  constructor(private readonly deps: TeamsPersonalChatDeps) {}

  /** The person added the bot for themselves: how to use this chat. */
  async welcome(ctx: TurnContext): Promise<void> {
    await ctx.sendActivity(cardActivity(renderTeamsWelcome(), 'Welcome to Earshot'));
  }

  /** `my queue` or `approvals` typed to the bot: answered here (true), or not one of them (false). */
  async command(ctx: TurnContext, text: string, actor: Actor | undefined): Promise<boolean> {
    const view = queueViewOf(text);
    if (!view) return false;
    const a = ctx.activity;
    if (a.conversation?.conversationType !== 'personal') await say(ctx, `Your queue is yours alone: type "${text.trim().toLowerCase()}" in your 1:1 chat with Earshot.`);
    else if (!actor) await say(ctx, 'Teams did not say who you are, so there is no queue to show.');
    else if (!this.deps.queue) await say(ctx, 'The personal queue is not available on this server.');
    else await ctx.sendActivity(cardActivity(await this.card(actor, view, a.from.id), view === 'all' ? 'My queue' : 'Drafts waiting for my approval'));
    return true;
  }

  /**
   * A button on a queue card: applied like the channel card's (same policy, a stale one
   * refused with the usual message), then the card is replaced by the queue as it is now,
   * with what happened on top. Teams refreshing the card gets the queue alone.
   */
  async clicked(ctx: TurnContext, value: unknown, from: { view: QueueView; refresh: boolean }, actor: Actor): Promise<AdaptiveCardInvokeResponse> {
    if (!this.deps.queue) return toastOf('The personal queue is not available on this server.');
    let notice: { text: string; refused: boolean } | undefined;
    if (!from.refresh) {
      const parsed = parseTeamsAction(value);
      if (!parsed.ok) return toastOf(parsed.problem);
      if (isFormAction(parsed.value.actionId) || isChoiceAction(parsed.value.actionId)) return toastOf('That action opens a dialog; use its button on the card.');
      const result = await this.deps.interactions.click(parsed.value.actionId, parsed.value.ref, actor);
      notice = result.ok ? { text: `Done: ${result.summary}. The card in the channel shows it.`, refused: false } : { text: result.refusal.message, refused: true };
    }
    const card = await this.card(actor, from.view, ctx.activity.from?.id, notice);
    return { statusCode: 200, type: ADAPTIVE_CARD_TYPE, value: card as unknown as Record<string, unknown> };
  }

  private async card(actor: Actor, view: QueueView, userId: string | undefined, notice?: { text: string; refused: boolean }): Promise<AdaptiveCard> {
    const now = this.deps.clock.now();
    return renderTeamsQueue(await this.deps.queue!(actor, now), view, now.toISOString(), { notice, userId });
  }
}
