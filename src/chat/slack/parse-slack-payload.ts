import * as z from 'zod';
import { decodeActionValue, isCaseActionId, type ActionRef, type CaseActionId } from '../../domain/actions.js';
import type { Actor } from '../../domain/actor.js';
import { ModalMetaSchema, type ModalMeta } from './modals.js';

const SlackUser = z.object({ id: z.string().min(1).max(64), name: z.string().max(200).optional(), username: z.string().max(200).optional() });

const BlockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: SlackUser,
  trigger_id: z.string().max(200).optional(),
  channel: z.object({ id: z.string().max(64) }).optional(),
  container: z.object({ channel_id: z.string().max(64).optional(), message_ts: z.string().max(64).optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).min(1),
});

/** A parsed button click: which action, on which case and version, by whom, where. */
export interface CaseClick {
  actionId: CaseActionId;
  ref: ActionRef;
  actor: Actor;
  channel?: string | undefined;
  messageTs?: string | undefined;
  triggerId?: string | undefined;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string; userId?: string; channel?: string };

export const slackActor = (u: { id: string; name?: string | undefined; username?: string | undefined }): Actor => ({
  platform: 'slack',
  id: u.id,
  ...(u.name || u.username ? { name: (u.name ?? u.username)! } : {}),
});

/** Parses a block_actions payload for a case button. Untrusted input: every field is checked. */
export function parseCaseClick(body: unknown): ParseResult<CaseClick> {
  const r = BlockActionsSchema.safeParse(body);
  if (!r.success) return { ok: false, problem: 'That interaction was not understood.' };
  const b = r.data;
  const channel = b.channel?.id ?? b.container?.channel_id;
  const action = b.actions[0]!;
  const fail = (problem: string): ParseResult<CaseClick> => ({ ok: false, problem, userId: b.user.id, ...(channel ? { channel } : {}) });
  if (!isCaseActionId(action.action_id)) return fail(`Unknown action "${action.action_id.slice(0, 40)}".`);
  const ref = decodeActionValue(action.value);
  if (!ref) return fail('That button carries no valid case reference.');
  return {
    ok: true,
    value: { actionId: action.action_id, ref, actor: slackActor(b.user), channel, messageTs: b.container?.message_ts, triggerId: b.trigger_id },
  };
}

const ViewSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  user: SlackUser,
  view: z.object({
    callback_id: z.string(),
    private_metadata: z.string().max(3000),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }).loose())) }),
  }),
});

export interface ModalSubmission {
  callbackId: string;
  meta: ModalMeta;
  actor: Actor;
  /** Input values by block id (the single input in each block). */
  values: Record<string, string>;
}

export function parseModalSubmission(body: unknown): ParseResult<ModalSubmission> {
  const r = ViewSubmissionSchema.safeParse(body);
  if (!r.success) return { ok: false, problem: 'That form was not understood.' };
  let meta: ModalMeta;
  try {
    meta = ModalMetaSchema.parse(JSON.parse(r.data.view.private_metadata));
  } catch {
    return { ok: false, problem: 'That form has lost track of its case; open it again from the card.', userId: r.data.user.id };
  }
  const values: Record<string, string> = {};
  for (const [block, inputs] of Object.entries(r.data.view.state.values)) {
    const first = Object.values(inputs)[0];
    // A checkbox group comes back as its selected options' values.
    const picked = (first as { selected_options?: unknown } | undefined)?.selected_options;
    values[block] = first?.value ?? (Array.isArray(picked) ? picked.map((o) => String((o as { value?: unknown }).value ?? '')).join(',') : '');
  }
  return { ok: true, value: { callbackId: r.data.view.callback_id, meta, actor: slackActor(r.data.user), values } };
}
