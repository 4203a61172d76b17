import type { AdaptiveCardInvokeResponse, TaskModuleResponse, TurnContext } from 'botbuilder';
import type { StormService } from '../../app/storms.js';
import type { Actor } from '../../domain/actor.js';
import { parseTeamsStormAction, type TeamsStormAction } from './parse-teams-action.js';
import { ADAPTIVE_CARD_TYPE } from './render-adaptive-card.js';
import { renderStormAdaptiveCard, STORM_DIALOG_ACTIONS } from './render-storm-adaptive-card.js';
import { renderTeamsStormDialog } from './render-teams-storm-dialog.js';
import { CLOSE_DIALOG, dialogMessage, say, toastOf } from './teams-answers.js';

/** Storm mode in Teams: the storm cards' buttons, their Action.Submit fallback and the reply dialog. */
export class TeamsStormActions {
  /** The bot's dependencies, read at each action (storm mode may be absent). */
  constructor(private readonly deps: { storms?: StormService | undefined }) {}

  /** A storm card's button, or why it cannot be used. */
  private action(value: unknown): { ok: true; storms: StormService; action: TeamsStormAction } | { ok: false; problem: string } {
    const { storms } = this.deps;
    if (!storms) return { ok: false, problem: 'Storm mode is not running in this bot.' };
    const parsed = parseTeamsStormAction(value);
    return parsed.ok ? { ok: true, storms, action: parsed.value } : parsed;
  }

  /**
   * A storm card's button (Action.Execute): apply it through the storm service, which
   * checks the version the clicker saw and the policy, and answer with the storm card as
   * it is now. A refusal (a stale card among them) is told to the clicker alone; the
   * outbox refreshes the card for everyone.
   */
  async clicked(value: unknown, actor: Actor): Promise<AdaptiveCardInvokeResponse> {
    const s = this.action(value);
    if (!s.ok) return toastOf(s.problem);
    const { storms, action } = s;
    if (STORM_DIALOG_ACTIONS.has(action.actionId)) return toastOf('That action opens a dialog; use its button on the card.');
    const result = await storms.act(action.stormId, action.actionId, actor, action.version);
    if (!result.ok) return toastOf(result.refusal.message);
    const card = await storms.card(result.storm);
    return { statusCode: 200, type: ADAPTIVE_CARD_TYPE, value: renderStormAdaptiveCard(card) as unknown as Record<string, unknown> };
  }

  /** A storm card's Action.Submit fallback, from a client without Universal Actions. */
  async submitted(ctx: TurnContext, value: unknown, actor: Actor | undefined): Promise<void> {
    const s = this.action(value);
    if (!s.ok) return say(ctx, s.problem);
    if (!actor) return say(ctx, 'Teams did not say who you are, so nothing was changed.');
    if (STORM_DIALOG_ACTIONS.has(s.action.actionId)) return say(ctx, 'Update Teams to use this button: it opens a dialog.');
    const result = await s.storms.act(s.action.stormId, s.action.actionId, actor, s.action.version);
    if (!result.ok) await say(ctx, result.refusal.message);
    else if (result.message) await say(ctx, result.message);
  }

  /** "Reply to all…" on a storm card: the templates that may answer many, to choose one. */
  async dialog(value: unknown, opts: { templateId?: string | undefined; problem?: string } = {}): Promise<TaskModuleResponse> {
    const s = this.action(value);
    if (!s.ok) return dialogMessage(s.problem);
    const storm = await s.storms.get(s.action.stormId);
    if (!storm) return dialogMessage(`There is no storm ${s.action.stormId}.`);
    const templates = s.storms.templatesFor(storm);
    if (templates.length === 0) {
      return dialogMessage('No template can answer this storm: add a public template for this group that names the author ({{author.name}} or {{author.handle}}).');
    }
    return renderTeamsStormDialog({ stormId: storm.id, version: s.action.version, topic: storm.topic, templates }, opts);
  }

  /** The storm reply dialog was submitted: choose the template, or show the dialog again with the problem. */
  async dialogSubmitted(value: unknown, actor: Actor): Promise<TaskModuleResponse> {
    const s = this.action(value);
    if (!s.ok) return dialogMessage(s.problem);
    const { storms, action } = s;
    if (action.actionId !== 'storm.draft') return dialogMessage(`"${action.actionId}" has no dialog.`);
    if (!action.templateId) return this.dialog(value, { problem: 'Pick a template.' });
    const result = await storms.act(action.stormId, 'storm.draft', actor, action.version, action.templateId);
    if (result.ok) return CLOSE_DIALOG;
    if (result.refusal.code === 'invalid_input') return this.dialog(value, { templateId: action.templateId, problem: result.refusal.message });
    return dialogMessage(`The storm reply was not saved: ${result.refusal.message}`);
  }
}
