import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import * as z from 'zod';
import type { StormService } from '../../app/storms.js';
import { decodeActionValue } from '../../domain/actions.js';
import { isStormActionId } from '../../domain/storm.js';
import type { Logger } from '../../util/logger.js';
import { clip, sanitizeText, TEXT_MAX } from '../safe-text.js';
import { slackActor } from './parse-slack-payload.js';
import { tellEphemeral } from './tell-ephemeral.js';

export const STORM_DRAFT_CALLBACK = 'storm.draft.submit';
const TEMPLATE_BLOCK = 'template';
const TEMPLATE_ACTION = 'choice';

const Click = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1).max(64), name: z.string().max(200).optional(), username: z.string().max(200).optional() }),
  trigger_id: z.string().max(200).optional(),
  channel: z.object({ id: z.string().max(64) }).optional(),
  container: z.object({ channel_id: z.string().max(64).optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).min(1),
});

const Meta = z.object({ stormId: z.string().min(1).max(64), version: z.number().int().nonnegative(), channel: z.string().max(64).optional() });

const Submission = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id: z.string().min(1).max(64), name: z.string().max(200).optional(), username: z.string().max(200).optional() }),
  view: z.object({
    private_metadata: z.string().max(3000),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.object({ selected_option: z.object({ value: z.string().max(100) }).nullish() }).loose())) }),
  }),
});

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: clip(sanitizeText(text), max), emoji: true });

export interface StormListenerDeps {
  storms: StormService;
  log: Logger;
  /**
   * The client that answers people (chat.postEphemeral), set up to never resend a call that
   * may have reached Slack (answerRetries); the listener's own client when absent.
   */
  answers?: WebClient | undefined;
}

/**
 * The storm card's buttons: choose a template reply for everyone (a form with the
 * templates that may answer many), approve it, send it, discard it, or close the storm.
 * Each acks first, then acts; refusals are told to the clicker ephemerally.
 */
export function registerStormListeners(app: App, deps: StormListenerDeps): void {
  const { storms, log } = deps;
  const tell = (client: WebClient, channel: string | undefined, user: string, text: string) => tellEphemeral(deps.answers ?? client, log, channel, user, text);

  app.action(/^storm\./, async ({ ack, body, client }) => {
    await ack();
    const parsed = Click.safeParse(body);
    if (!parsed.success) return;
    const b = parsed.data;
    const channel = b.channel?.id ?? b.container?.channel_id;
    const action = b.actions[0]!;
    const ref = decodeActionValue(action.value);
    if (!isStormActionId(action.action_id) || !ref) return tell(client, channel, b.user.id, 'That button carries no valid storm reference.');
    const actor = slackActor(b.user);
    if (action.action_id === 'storm.draft') {
      const storm = await storms.get(ref.caseId);
      if (!storm) return tell(client, channel, actor.id, `There is no storm ${ref.caseId}.`);
      const templates = storms.templatesFor(storm);
      if (templates.length === 0) {
        return tell(client, channel, actor.id, 'No template can answer this storm: add a public template for this group that names the author ({{author.name}} or {{author.handle}}).');
      }
      const meta = { stormId: storm.id, version: ref.version, ...(channel ? { channel } : {}) };
      try {
        await client.views.open({
          trigger_id: b.trigger_id ?? '',
          view: {
            type: 'modal',
            callback_id: STORM_DRAFT_CALLBACK,
            private_metadata: JSON.stringify(meta),
            title: plain('Reply to the storm', 24),
            submit: plain('Submit for approval', 24),
            close: plain('Cancel', 24),
            blocks: [
              { type: 'context', elements: [plain(`Storm about ${storm.topic}: every unclaimed author gets the template, personalised, at the pace the network allows.`, 2000)] },
              ...templates.slice(0, 10).map((t) => ({ type: 'section', text: plain(`${t.name}: ${t.text}`, TEXT_MAX.modalText) })),
              {
                type: 'input',
                block_id: TEMPLATE_BLOCK,
                label: plain('Template', 2000),
                element: {
                  type: 'static_select',
                  action_id: TEMPLATE_ACTION,
                  options: templates.slice(0, 100).map((t) => ({ text: plain(t.name, TEXT_MAX.option), value: t.id })),
                },
              },
            ],
          },
        });
      } catch (e) {
        log.warn({ err: e, stormId: storm.id }, 'could not open the storm reply form');
        await tell(client, channel, actor.id, 'Slack did not let me open the form (it expires 3 seconds after the click). Please click again.');
      }
      return;
    }
    const r = await storms.act(ref.caseId, action.action_id, actor, ref.version);
    if (!r.ok) await tell(client, channel, actor.id, r.refusal.message);
    else if (r.message) await tell(client, channel, actor.id, r.message);
  });

  app.view(STORM_DRAFT_CALLBACK, async ({ ack, body, client }) => {
    const parsed = Submission.safeParse(body);
    let meta: z.infer<typeof Meta> | undefined;
    try { meta = parsed.success ? Meta.parse(JSON.parse(parsed.data.view.private_metadata)) : undefined; } catch { meta = undefined; }
    if (!parsed.success || !meta) {
      await ack({ response_action: 'errors', errors: { [TEMPLATE_BLOCK]: 'That form has lost track of its storm; open it again from the card.' } });
      return;
    }
    const templateId = parsed.data.view.state.values[TEMPLATE_BLOCK]?.[TEMPLATE_ACTION]?.selected_option?.value;
    if (!templateId) {
      await ack({ response_action: 'errors', errors: { [TEMPLATE_BLOCK]: 'Pick a template.' } });
      return;
    }
    await ack();
    const r = await storms.act(meta.stormId, 'storm.draft', slackActor(parsed.data.user), meta.version, templateId);
    if (!r.ok) await tell(client, meta.channel, parsed.data.user.id, `The storm reply was not saved: ${r.refusal.message}`);
  });
}
