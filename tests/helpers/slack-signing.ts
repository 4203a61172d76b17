/**
 * Sign and send requests exactly as Slack does, and build realistic inbound payloads from the
 * recorded fixtures in `tests/fixtures/slack/`.
 *
 * Signing (platform notes §1.3, implemented in `src/sandbox/sign-slack.ts`, which the sandbox
 * shares): `x-slack-signature = 'v0=' + hex(HMAC_SHA256(secret,
 * 'v0:' + ts + ':' + rawBody))`, `x-slack-request-timestamp = ts` (Unix seconds). Bolt compares
 * the content type as an exact string, so interactivity and commands are sent with the bare
 * `application/x-www-form-urlencoded`, as Slack sends them; events are `application/json`.
 */
import { readFileSync } from 'node:fs';
import type { BlockAction, ButtonAction, EnvelopedEvent, SlashCommand, types, ViewSubmitAction } from '@slack/bolt';
import { signSlack } from '../../src/sandbox/sign-slack.js';

type AppMentionEvent = types.AppMentionEvent;
type AppHomeOpenedEvent = types.AppHomeOpenedEvent;

export { signSlack, type SlackSignatureHeaders } from '../../src/sandbox/sign-slack.js';

/** Per-request knobs for {@link slackRequest}. */
export interface SlackSendOptions {
  /** Request timestamp in Unix seconds (default: now). */
  ts?: number;
  /** Sign with this secret instead (to test a wrong signature). */
  signWith?: string;
  /** Events API redelivery headers (`x-slack-retry-num` / `x-slack-retry-reason`). */
  retryNum?: number;
  retryReason?: string;
}

/** What the app answered. */
export interface SlackHttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (throws if it is not JSON). */
  json<T = unknown>(): T;
}

/** A client that posts to one app endpoint the way Slack does. */
export interface SlackRequester {
  /** Interactivity (`block_actions`, `view_submission`, ...): form with one field `payload=<json>`. */
  interactive(payload: object, opts?: SlackSendOptions): Promise<SlackHttpResponse>;
  /** A slash command: form fields, all strings. */
  command(fields: Record<string, string>, opts?: SlackSendOptions): Promise<SlackHttpResponse>;
  /** An Events API delivery: JSON body. */
  event(body: object, opts?: SlackSendOptions): Promise<SlackHttpResponse>;
  /** Any raw body with the given content type, signed. */
  raw(body: string, contentType: string, opts?: SlackSendOptions): Promise<SlackHttpResponse>;
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * Returns a requester that POSTs signed requests to `endpoint` (the app's full URL, for example
 * `http://127.0.0.1:3000/slack/events`).
 */
export function slackRequest(endpoint: string, secret: string): SlackRequester {
  const raw = async (body: string, contentType: string, opts: SlackSendOptions = {}): Promise<SlackHttpResponse> => {
    const headers: Record<string, string> = {
      'content-type': contentType,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...signSlack(body, opts.signWith ?? secret, opts.ts),
    };
    if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
    if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;
    const res = await fetch(endpoint, { method: 'POST', headers, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
  };
  return {
    interactive: (payload, opts) => raw(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM, opts),
    command: (fields, opts) => raw(new URLSearchParams(fields).toString(), FORM, opts),
    event: (body, opts) => raw(JSON.stringify(body), 'application/json', opts),
    raw,
  };
}

// ---------------------------------------------------------------------------------------------
// Payload builders, each starting from a recorded payload so every field Slack sends is there.

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/slack/${name}`, import.meta.url), 'utf8')) as T;

/** A user as a bare id or with a display name. */
export type SlackUserRef = string | { id: string; name?: string };
/** A channel as a bare id or with a name. */
export type SlackChannelRef = string | { id: string; name?: string };

const userOf = (u: SlackUserRef) => (typeof u === 'string' ? { id: u, name: u.toLowerCase() } : { id: u.id, name: u.name ?? u.id.toLowerCase() });
const channelOf = (c: SlackChannelRef) => (typeof c === 'string' ? { id: c, name: c.toLowerCase() } : { id: c.id, name: c.name ?? c.id.toLowerCase() });

/** Arguments for {@link blockActionsPayload}. */
export interface BlockActionsArgs {
  user: SlackUserRef;
  channel: SlackChannelRef;
  /** ts of the message holding the button. */
  messageTs: string;
  actionId: string;
  value?: string;
  blockId?: string;
  /** Where `respond()` posts; use `fakeSlack.responseUrl(...)` to receive it. */
  responseUrl?: string;
  triggerId?: string;
  /** The message as Slack shows it in the payload (text and blocks of the card clicked). */
  message?: { text?: string; blocks?: unknown[]; thread_ts?: string };
}

/** A `block_actions` payload for a button click, as Slack sends it. */
export function blockActionsPayload(a: BlockActionsArgs): BlockAction<ButtonAction> {
  const p = fixture<BlockAction<ButtonAction> & Record<string, unknown>>('block_actions.button.json');
  const user = userOf(a.user);
  const channel = channelOf(a.channel);
  p.user = { ...p.user, id: user.id, username: user.name, name: user.name };
  p.channel = channel;
  p.container = { ...p.container, message_ts: a.messageTs, channel_id: channel.id };
  if (a.message?.thread_ts) p.container.thread_ts = a.message.thread_ts;
  const message: Record<string, unknown> = { ...(p.message as Record<string, unknown>), ts: a.messageTs };
  if (a.message?.text !== undefined) message.text = a.message.text;
  if (a.message?.blocks !== undefined) message.blocks = a.message.blocks;
  if (a.message?.thread_ts !== undefined) message.thread_ts = a.message.thread_ts;
  p.message = message as BlockAction['message'];
  if (a.responseUrl) p.response_url = a.responseUrl;
  if (a.triggerId) p.trigger_id = a.triggerId;
  const action = { ...p.actions[0]!, action_id: a.actionId };
  if (a.blockId) action.block_id = a.blockId;
  if (a.value === undefined) delete action.value;
  else action.value = a.value;
  p.actions = [action];
  return p;
}

/** One input's state in a submitted view: a bare string means a `plain_text_input`. */
export type SlackViewValue = string | Record<string, unknown>;

/** Arguments for {@link viewSubmissionPayload}. */
export interface ViewSubmissionArgs {
  user: SlackUserRef;
  callbackId: string;
  privateMetadata?: string;
  /**
   * `view.state.values`: `{ [blockId]: { [actionId]: state } }`. A string state becomes
   * `{type:'plain_text_input', value}`.
   */
  values: Record<string, Record<string, SlackViewValue>>;
  viewId?: string;
  triggerId?: string;
}

/** A `view_submission` payload for a modal, as Slack sends it. */
export function viewSubmissionPayload(a: ViewSubmissionArgs): ViewSubmitAction {
  const p = fixture<ViewSubmitAction>('view_submission.modal.json');
  const user = userOf(a.user);
  p.user = { ...p.user, id: user.id, name: user.name };
  (p.user as unknown as Record<string, unknown>).username = user.name;
  p.view.callback_id = a.callbackId;
  p.view.private_metadata = a.privateMetadata ?? '';
  if (a.viewId) {
    p.view.id = a.viewId;
    p.view.root_view_id = a.viewId;
  }
  if (a.triggerId) p.trigger_id = a.triggerId;
  const values: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const [blockId, actions] of Object.entries(a.values)) {
    values[blockId] = {};
    for (const [actionId, state] of Object.entries(actions)) {
      values[blockId]![actionId] = typeof state === 'string' ? { type: 'plain_text_input', value: state } : state;
    }
  }
  p.view.state = { values } as unknown as ViewSubmitAction['view']['state'];
  return p;
}

/** Arguments for {@link slashCommandBody}. */
export interface SlashCommandArgs {
  user: SlackUserRef;
  channel: SlackChannelRef;
  text: string;
  /** Defaults to `/earshot`. */
  command?: string;
  responseUrl?: string;
  triggerId?: string;
}

/** The form fields of a slash command, as Slack posts them (all strings). */
export function slashCommandBody(a: SlashCommandArgs): SlashCommand {
  const fields = Object.fromEntries(
    new URLSearchParams(readFileSync(new URL('../fixtures/slack/slash_command.form.txt', import.meta.url), 'utf8')),
  ) as SlashCommand;
  const user = userOf(a.user);
  const channel = channelOf(a.channel);
  fields.user_id = user.id;
  fields.user_name = user.name;
  fields.channel_id = channel.id;
  fields.channel_name = channel.name;
  fields.text = a.text;
  if (a.command) fields.command = a.command;
  if (a.responseUrl) fields.response_url = a.responseUrl;
  if (a.triggerId) fields.trigger_id = a.triggerId;
  return fields;
}

/** Arguments for {@link appMentionEvent}. */
export interface AppMentionArgs {
  user: string;
  channel: string;
  text: string;
  ts: string;
  eventId?: string;
  threadTs?: string;
}

/** An Events API `event_callback` wrapping an `app_mention`, as Slack posts it. */
export function appMentionEvent(a: AppMentionArgs): EnvelopedEvent<AppMentionEvent> {
  const p = fixture<EnvelopedEvent<AppMentionEvent>>('event_callback.app_mention.json');
  p.event = { ...p.event, user: a.user, channel: a.channel, text: a.text, ts: a.ts, event_ts: a.ts };
  // The recorded blocks describe the recorded text; a different text gets a matching plain block.
  p.event.blocks = [
    { type: 'rich_text', block_id: 'b0', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: a.text }] }] },
  ] as AppMentionEvent['blocks'];
  if (a.threadTs) p.event.thread_ts = a.threadTs;
  if (a.eventId) p.event_id = a.eventId;
  p.event_time = Math.floor(Number(a.ts));
  return p;
}

export interface AppHomeOpenedArgs {
  user: string;
  /** `home` or `messages`: the tab the person opened. */
  tab?: 'home' | 'messages';
  eventId?: string;
}

/**
 * `app_home_opened` as the Events API delivers it (docs.slack.dev/reference/events/app_home_opened):
 * sent each time a person opens one of the app's tabs. The first visit has no `view`.
 */
export function appHomeOpenedEvent(a: AppHomeOpenedArgs): EnvelopedEvent<AppHomeOpenedEvent> {
  const p = fixture<EnvelopedEvent<AppHomeOpenedEvent>>('event_callback.app_home_opened.json');
  p.event = { ...p.event, user: a.user, channel: `D${a.user.slice(1)}`, tab: a.tab ?? 'home' };
  if (a.eventId) p.event_id = a.eventId;
  return p;
}
