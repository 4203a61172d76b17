/**
 * The interaction payloads Slack sends an app when someone clicks a button, submits or closes
 * a modal, or types a slash command, built with every field Slack documents
 * (docs.slack.dev/reference/interaction-payloads; shapes as in `@slack/bolt`'s types and the
 * recorded payloads in `tests/fixtures/slack/`). The sandbox posts them, signed, to the bot.
 */
import { randomBytes } from 'node:crypto';

/** The workspace the payloads come from. */
export interface SlackTeam {
  teamId: string;
  domain: string;
  appId: string;
}

/** The person interacting. */
export interface SlackPayloadUser {
  id: string;
  name: string;
}

/** A message as the channel holds it (what Slack puts in `message`). */
export interface SlackPayloadMessage {
  ts: string;
  text: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  blocks?: unknown[];
  thread_ts?: string;
}

/** A random trigger id in Slack's format (`<seconds>.<team number>.<hex>`). */
export function newTriggerId(now: number = Date.now()): string {
  return `${Math.floor(now / 1000)}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
}

const userOf = (team: SlackTeam, u: SlackPayloadUser) => ({ id: u.id, username: u.name, name: u.name, team_id: team.teamId });
const teamOf = (team: SlackTeam) => ({ id: team.teamId, domain: team.domain });
/** Slack sends the legacy verification token in every payload; apps should ignore it. */
const VERIFICATION_TOKEN = 'sandbox-verification-token';

/** Arguments for {@link blockActionsPayload}. */
export interface BlockActionsInput {
  team: SlackTeam;
  user: SlackPayloadUser;
  channel: { id: string; name: string };
  message: SlackPayloadMessage;
  /** The clicked element as it is in the message's blocks (a button). */
  action: Record<string, unknown>;
  blockId: string;
  triggerId: string;
  responseUrl: string;
  now?: number;
}

/** A `block_actions` payload for a button in a channel message. */
export function blockActionsPayload(a: BlockActionsInput): Record<string, unknown> {
  const now = a.now ?? Date.now();
  const container: Record<string, unknown> = { type: 'message', message_ts: a.message.ts, channel_id: a.channel.id, is_ephemeral: false };
  if (a.message.thread_ts && a.message.thread_ts !== a.message.ts) container.thread_ts = a.message.thread_ts;
  return {
    type: 'block_actions',
    user: userOf(a.team, a.user),
    api_app_id: a.team.appId,
    token: VERIFICATION_TOKEN,
    container,
    trigger_id: a.triggerId,
    team: teamOf(a.team),
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: a.channel.id, name: a.channel.name },
    message: { type: 'message', team: a.team.teamId, ...a.message },
    state: { values: {} },
    response_url: a.responseUrl,
    actions: [{ ...a.action, block_id: a.blockId, action_ts: (now / 1000).toFixed(6) }],
  };
}

/** Arguments for {@link viewActionsPayload}. */
export interface ViewActionsInput {
  team: SlackTeam;
  user: SlackPayloadUser;
  /** The open view, as the bot last set it. */
  view: Record<string, unknown>;
  /** What is typed in the view's inputs so far (`state.values`). */
  values: Record<string, Record<string, Record<string, unknown>>>;
  action: Record<string, unknown>;
  blockId: string;
  triggerId: string;
  now?: number;
}

/** A `block_actions` payload for a button or menu inside a modal (container type `view`). */
export function viewActionsPayload(a: ViewActionsInput): Record<string, unknown> {
  const now = a.now ?? Date.now();
  return {
    type: 'block_actions',
    user: userOf(a.team, a.user),
    api_app_id: a.team.appId,
    token: VERIFICATION_TOKEN,
    container: { type: 'view', view_id: a.view.id },
    trigger_id: a.triggerId,
    team: teamOf(a.team),
    enterprise: null,
    is_enterprise_install: false,
    view: { ...a.view, state: { values: a.values } },
    actions: [{ ...a.action, block_id: a.blockId, action_ts: (now / 1000).toFixed(6) }],
  };
}

/** Arguments for {@link viewSubmissionPayload}. */
export interface ViewSubmissionInput {
  team: SlackTeam;
  user: SlackPayloadUser;
  /** The view as `views.open` returned it. */
  view: Record<string, unknown>;
  /** `state.values`: `{ [block_id]: { [action_id]: { type, value } } }`. */
  values: Record<string, Record<string, Record<string, unknown>>>;
  triggerId: string;
}

/** A `view_submission` payload: the whole view, with what was typed in `state.values`. */
export function viewSubmissionPayload(a: ViewSubmissionInput): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: teamOf(a.team),
    user: userOf(a.team, a.user),
    api_app_id: a.team.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: a.triggerId,
    view: { ...a.view, state: { values: a.values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A `view_closed` payload (sent only for views opened with `notify_on_close`). */
export function viewClosedPayload(a: { team: SlackTeam; user: SlackPayloadUser; view: Record<string, unknown> }): Record<string, unknown> {
  return {
    type: 'view_closed',
    team: teamOf(a.team),
    user: userOf(a.team, a.user),
    api_app_id: a.team.appId,
    token: VERIFICATION_TOKEN,
    view: a.view,
    is_cleared: false,
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** Arguments for {@link slashCommandForm}. */
export interface SlashCommandInput {
  team: SlackTeam;
  user: SlackPayloadUser;
  channel: { id: string; name: string };
  command: string;
  text: string;
  responseUrl: string;
  triggerId: string;
}

/** The form fields of a slash command, all strings, as Slack posts them. */
export function slashCommandForm(a: SlashCommandInput): Record<string, string> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: a.team.teamId,
    team_domain: a.team.domain,
    channel_id: a.channel.id,
    channel_name: a.channel.name,
    user_id: a.user.id,
    user_name: a.user.name,
    command: a.command,
    text: a.text,
    api_app_id: a.team.appId,
    is_enterprise_install: 'false',
    response_url: a.responseUrl,
    trigger_id: a.triggerId,
  };
}

/** Arguments for {@link appHomeOpenedEvent}. */
export interface AppHomeOpenedInput {
  team: SlackTeam;
  user: SlackPayloadUser;
  /** The person's DM channel with the app (Slack names it even when no message was sent yet). */
  channel: string;
  /** The app's bot user (the event's `authorizations`). */
  botUserId: string;
  /** The tab opened: `home`, or `messages` for the DM with the app. */
  tab?: 'home' | 'messages';
  /** The view currently published for the person, which Slack includes once there is one. */
  view?: Record<string, unknown> | undefined;
  now?: number;
}

/**
 * The Events API envelope of `app_home_opened` (docs.slack.dev/reference/events/app_home_opened),
 * sent as JSON each time a person opens one of the app's tabs; shaped as Slack sends it and
 * as the recorded `tests/fixtures/slack/event_callback.app_home_opened.json`.
 */
export function appHomeOpenedEvent(a: AppHomeOpenedInput): Record<string, unknown> {
  const now = a.now ?? Date.now();
  const ts = (now / 1000).toFixed(6);
  return {
    token: VERIFICATION_TOKEN,
    team_id: a.team.teamId,
    api_app_id: a.team.appId,
    event: {
      type: 'app_home_opened',
      user: a.user.id,
      channel: a.channel,
      tab: a.tab ?? 'home',
      event_ts: ts,
      ...(a.view ? { view: a.view } : {}),
    },
    type: 'event_callback',
    event_id: `Ev0${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(now / 1000),
    authorizations: [{ enterprise_id: null, team_id: a.team.teamId, user_id: a.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}
