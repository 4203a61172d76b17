/**
 * The sandbox's local workspace: a small web server that shows the fake Slack's channels,
 * each person's DM with the bot and their App Home, and the fake X's posts and direct
 * messages in a browser, and turns clicks in the page into the signed requests Slack itself
 * would send the bot (block_actions, view_submission, view_closed, slash commands,
 * app_home_opened). The visitor can also post or send a DM as a customer on the fake X.
 * The page is plain HTML, CSS and JavaScript served from `src/sandbox/web/`.
 *
 * The server holds no copy of the workspace: every answer is read from the fakes as they
 * are now, so what the page shows is exactly what the bot posted.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FakeSlack, SlackMessage } from './fakes/fake-slack.js';
import type { FakeX, XTweet } from './fakes/fake-x.js';
import { signSlack } from './sign-slack.js';
import {
  appHomeOpenedEvent, blockActionsPayload, newTriggerId, slashCommandForm, viewActionsPayload, viewClosedPayload, viewSubmissionPayload, type SlackTeam,
} from './slack-payloads.js';

/** A person in the workspace, as the user switcher shows them. */
export interface WorkspacePerson {
  id: string;
  name: string;
  realName: string;
  role: string;
}

/** A channel in the sidebar, with the skill group it belongs to. */
export interface WorkspaceChannel {
  id: string;
  name: string;
  group: string;
}

/** Options for {@link startWorkspaceServer}. */
export interface WorkspaceServerOptions {
  slack: FakeSlack;
  x: FakeX;
  /** The bot's Slack endpoint, e.g. `http://127.0.0.1:41234/slack/events`. */
  appEndpoint: string;
  signingSecret: string;
  team: SlackTeam & { name: string };
  /** The bot user's id in the fake Slack (its messages show as the app). */
  botUserId: string;
  appName: string;
  people: readonly WorkspacePerson[];
  channels: readonly WorkspaceChannel[];
  /** The slash command the app registered (`/earshot`). */
  command: string;
  port: number;
  host: string;
  /** Extra lines for the page's "about" panel (how the sandbox is wired). */
  about?: Record<string, string>;
  /** How often the page is told that something changed. Default 250 ms. */
  changeCheckMs?: number;
}

/** A running workspace server. */
export interface WorkspaceServer {
  port: number;
  /** `http://localhost:<port>` when bound to a loopback address. */
  url: string;
  close(): Promise<void>;
}

/** The page's port is taken (another sandbox, or anything else on that port). */
export class WorkspacePortBusyError extends Error {
  readonly code = 'WORKSPACE_PORT_BUSY';
  constructor(readonly port: number) {
    super(`port ${port} is already in use; pick another one: npm run demo -- --port ${port + 1}`);
    this.name = 'WorkspacePortBusyError';
  }
}

/** A request the page made that cannot be carried out. */
export class WorkspaceRequestInvalidError extends Error {
  readonly code = 'WORKSPACE_REQUEST_INVALID';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'WorkspaceRequestInvalidError';
  }
}

/** A message as the page gets it: the bot's own text and blocks, and its thread. */
export interface PageMessage {
  ts: string;
  user: string;
  bot: boolean;
  text: string;
  blocks?: unknown[];
  files?: Array<{ id: string; name: string; title: string }>;
  /** The message metadata's event type (`earshot_case` on cards). */
  kind?: string;
  replies: PageMessage[];
}

/** One open modal in a person's stack. `inline` views came back in a `response_action`. */
interface OpenView {
  id: string;
  triggerId: string;
  inline?: Record<string, unknown>;
  errors?: Record<string, string>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const STATUS_LINK = /<https:\/\/x\.com\/i\/web\/status\/(\d+)\|/;
const PENDING_TRIGGER_MS = 10_000;
const MAX_BODY = 64 * 1024;
/** What the customer panel lets a visitor write in one direct message (X allows 10,000). */
const MAX_DM = 1_000;
/** The name Slack gives a direct-message channel in interaction payloads. */
const IM_NAME = 'directmessage';
/** A person's DM channel with the app, as Slack names it in app_home_opened before any message. */
const imOf = (user: string) => `D${user.slice(1)}`;

/** One X direct-message conversation between the brand and a customer, as the page shows it. */
export interface PageDmConversation {
  customer: { handle: string; name: string };
  messages: Array<{ id: string; text: string; fromBrand: boolean; createdAt: string }>;
}

/** The brand's X direct-message conversations, newest first, each oldest message first. */
export function dmConversations(x: FakeX): PageDmConversation[] {
  const byCustomer = new Map<string, PageDmConversation & { last: bigint }>();
  for (const ev of x.dms) {
    const [a, b] = ev.dm_conversation_id.split('-');
    if (a !== x.me.id && b !== x.me.id) continue;
    const other = a === x.me.id ? b! : a!;
    let conv = byCustomer.get(other);
    if (!conv) {
      const u = x.user(other);
      byCustomer.set(other, (conv = { customer: { handle: u?.username ?? other, name: u?.name ?? '' }, messages: [], last: 0n }));
    }
    conv.messages.push({ id: ev.id, text: ev.text, fromBrand: ev.sender_id === x.me.id, createdAt: ev.created_at });
    if (BigInt(ev.id) > conv.last) conv.last = BigInt(ev.id);
  }
  return [...byCustomer.values()]
    .sort((p, q) => (q.last > p.last ? 1 : q.last < p.last ? -1 : 0))
    .map(({ customer, messages }) => ({ customer, messages: messages.sort((m, n) => (BigInt(m.id) < BigInt(n.id) ? -1 : 1)) }));
}

/**
 * What Slack reports in `view.state.values` for one input element, given what was typed or
 * chosen (`null` when empty, as Slack sends it). A chosen option is looked up in the view, so
 * its text comes from the bot's own view, never from the page.
 */
export function inputState(element: Record<string, unknown>, chosen: string | null): Record<string, unknown> | undefined {
  const type = element.type;
  switch (type) {
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input':
      return { type, value: chosen };
    case 'static_select': {
      const groups = (element.option_groups as Array<{ options?: unknown[] }> | undefined) ?? [];
      const options = [...((element.options as unknown[] | undefined) ?? []), ...groups.flatMap((g) => g.options ?? [])] as Array<{ value?: unknown }>;
      const option = options.find((o) => o.value === chosen);
      return { type, selected_option: option ?? null };
    }
    case 'users_select':
      return { type, selected_user: chosen };
    case 'conversations_select':
      return { type, selected_conversation: chosen };
    case 'channels_select':
      return { type, selected_channel: chosen };
    default:
      return undefined;
  }
}

/** Elements a person can act on in an actions block or as a section accessory. */
const ACTIONABLE = new Set(['button', 'static_select', 'users_select', 'conversations_select', 'channels_select', 'overflow']);

/** Finds an interactive element by block and action id, in actions blocks and accessories. */
export function findElement(blocks: unknown, blockId: unknown, actionId: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(blocks)) return undefined;
  const block = (blocks as Array<Record<string, unknown>>).find((b) => b.block_id === blockId);
  if (!block) return undefined;
  const candidates = [...(Array.isArray(block.elements) ? (block.elements as Array<Record<string, unknown>>) : []), ...(block.accessory ? [block.accessory as Record<string, unknown>] : [])];
  return candidates.find((e) => e.action_id === actionId && ACTIONABLE.has(String(e.type)));
}

/**
 * The `actions[0]` Slack sends for an element: a button as the bot wrote it, a select with
 * what was chosen (looked up in the element's own options).
 */
export function actionOf(element: Record<string, unknown>, chosen: string | null): Record<string, unknown> {
  if (element.type === 'button') return { ...element };
  if (element.type === 'overflow') {
    const option = ((element.options as Array<{ value?: unknown }> | undefined) ?? []).find((o) => o.value === chosen);
    return { type: 'overflow', action_id: element.action_id, selected_option: option ?? null };
  }
  return { action_id: element.action_id, ...inputState(element, chosen) };
}

/** `view.state.values` for the inputs of a view, from what the page typed or chose (by block id). */
export function viewValues(view: Record<string, unknown>, typed: Record<string, unknown>): Record<string, Record<string, Record<string, unknown>>> {
  const values: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const b of (view.blocks as Array<Record<string, unknown>> | undefined) ?? []) {
    if (b.type !== 'input' || typeof b.block_id !== 'string') continue;
    const element = b.element as Record<string, unknown> | undefined;
    if (!element || typeof element.action_id !== 'string') continue;
    const v = typed[b.block_id];
    const state = inputState(element, typeof v === 'string' && v !== '' ? v : null);
    if (state) values[b.block_id] = { [element.action_id]: state };
  }
  return values;
}

/** The page's files: next to this module when run from source, else back in src/ from dist/. */
export function webRoot(): string {
  const candidates = [
    fileURLToPath(new URL('./web/', import.meta.url)),
    fileURLToPath(new URL('../../../src/sandbox/web/', import.meta.url)),
  ];
  const found = candidates.find((p) => existsSync(`${p}index.html`));
  if (!found) throw new Error('the sandbox page (src/sandbox/web/index.html) is missing from this checkout');
  return found;
}

const isLoopback = (host: string) => host === '127.0.0.1' || host === '::1' || host === 'localhost';

/** Starts the workspace web server. */
export async function startWorkspaceServer(opts: WorkspaceServerOptions): Promise<WorkspaceServer> {
  const { slack, x, team } = opts;
  const root = webRoot();
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(root)) {
    const ext = /\.[a-z]+$/.exec(name)?.[0] ?? '';
    if (TYPES[ext]) files.set(name, { body: readFileSync(`${root}${name}`), type: TYPES[ext]! });
  }
  const people = new Map(opts.people.map((p) => [p.id, p]));
  const channels = new Map(opts.channels.map((c) => [c.id, c]));
  const pendingTriggers = new Map<string, { user: string; at: number }>();
  const stacks = new Map<string, OpenView[]>();
  const sseClients = new Set<ServerResponse>();
  let localChanges = 0;

  const person = (id: unknown): WorkspacePerson => {
    const p = typeof id === 'string' ? people.get(id) : undefined;
    if (!p) throw new WorkspaceRequestInvalidError('unknown user');
    return p;
  };
  const channelOf = (id: unknown): WorkspaceChannel => {
    const c = typeof id === 'string' ? channels.get(id) : undefined;
    if (!c) throw new WorkspaceRequestInvalidError('unknown channel');
    return c;
  };
  /** A channel the person may click in: a listed channel, or their own DM with the bot (nobody else's). */
  const clickableChannel = (id: unknown, me: WorkspacePerson): WorkspaceChannel => {
    const dm = slack.directChannel(me.id);
    if (dm !== undefined && id === dm) return { id: dm, name: IM_NAME, group: '' };
    return channelOf(id);
  };
  const stackOf = (user: string): OpenView[] => {
    let s = stacks.get(user);
    if (!s) stacks.set(user, (s = []));
    return s;
  };

  /** Moves views the bot opened with a person's trigger ids onto that person's stack. */
  const collectOpenedViews = (): void => {
    const now = Date.now();
    for (const method of ['views.open', 'views.push']) {
      for (const call of slack.callsTo(method)) {
        const trigger = call.args.trigger_id;
        if (typeof trigger !== 'string') continue;
        const pending = pendingTriggers.get(trigger);
        if (!pending || !call.answer) continue;
        pendingTriggers.delete(trigger);
        const view = call.answer.view as { id?: unknown } | undefined;
        if (call.answer.ok !== true || typeof view?.id !== 'string') continue;
        const stack = stackOf(pending.user);
        if (method === 'views.open') stack.length = 0;
        stack.push({ id: view.id, triggerId: trigger });
      }
    }
    for (const [trigger, p] of pendingTriggers) if (now - p.at > PENDING_TRIGGER_MS) pendingTriggers.delete(trigger);
  };

  const viewOf = (open: OpenView): Record<string, unknown> | undefined => open.inline ?? slack.view(open.id);

  /** Posts a body to the bot, signed with the signing secret exactly as Slack signs it. */
  const sendToApp = async (body: string, contentType: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(opts.appEndpoint, {
      method: 'POST',
      headers: { 'content-type': contentType, 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)', ...signSlack(body, opts.signingSecret) },
      body,
    });
    return { status: res.status, text: await res.text() };
  };
  const sendInteraction = (payload: Record<string, unknown>) =>
    sendToApp(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');

  // ---- reading the workspace -------------------------------------------------------------

  const messageOut = (m: SlackMessage, withThread: (ts: string) => SlackMessage[]): PageMessage => ({
    ts: m.ts,
    user: m.user,
    bot: m.user === opts.botUserId || m.bot_id !== undefined,
    text: m.text,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.files ? { files: m.files.map((f) => ({ id: f.id, name: f.name, title: f.title })) } : {}),
    ...(m.metadata ? { kind: m.metadata.event_type } : {}),
    replies: (m.reply_count ?? 0) > 0 ? withThread(m.ts).map((r) => messageOut(r, () => [])) : [],
  });

  /** Which card shows which post: the card's "Open on X" link names it. */
  const cardsByPost = (): Map<string, { channel: string; ts: string }> => {
    const out = new Map<string, { channel: string; ts: string }>();
    for (const c of opts.channels) {
      for (const m of slack.channel(c.id).messages()) {
        const id = STATUS_LINK.exec(JSON.stringify(m.blocks ?? []))?.[1];
        if (id && !out.has(id)) out.set(id, { channel: c.id, ts: m.ts });
      }
    }
    return out;
  };

  const feed = () => {
    const cards = cardsByPost();
    const tweets = x.tweets;
    const byId = new Map(tweets.map((t) => [t.id, t]));
    const post = (t: XTweet) => {
      const author = x.user(t.author_id);
      const replyTo = t.referenced_tweets?.find((r) => r.type === 'replied_to')?.id;
      const repostOf = t.referenced_tweets?.find((r) => r.type === 'retweeted')?.id;
      return {
        id: t.id,
        text: t.text,
        createdAt: t.created_at,
        author: { handle: author?.username ?? t.author_id, name: author?.name ?? '', followers: author?.public_metrics.followers_count ?? 0, verified: author?.verified_type !== 'none' },
        fromBrand: t.author_id === x.me.id,
        ...(replyTo ? { replyTo } : {}),
        ...(repostOf ? { repostOf } : {}),
        ...(cards.has(t.id) ? { card: cards.get(t.id) } : {}),
      };
    };
    // Conversations: each post that is not a reply to a known post, with its replies under it.
    const rootOf = (t: XTweet): string => {
      let cur = t;
      for (let i = 0; i < 20; i++) {
        const parent = cur.referenced_tweets?.find((r) => r.type === 'replied_to')?.id;
        const p = parent ? byId.get(parent) : undefined;
        if (!p) return cur.id;
        cur = p;
      }
      return cur.id;
    };
    const threads = new Map<string, { root: ReturnType<typeof post>; replies: Array<ReturnType<typeof post>>; last: string }>();
    for (const t of tweets) {
      const root = rootOf(t);
      if (root === t.id) threads.set(t.id, { root: post(t), replies: [], last: t.id });
    }
    for (const t of tweets) {
      const root = rootOf(t);
      if (root === t.id) continue;
      const th = threads.get(root);
      if (!th) continue;
      th.replies.push(post(t));
      if (BigInt(t.id) > BigInt(th.last)) th.last = t.id;
    }
    const conversations = [...threads.values()].sort((a, b) => (BigInt(b.last) > BigInt(a.last) ? 1 : -1)).map(({ root, replies }) => ({ ...root, replies }));
    return { account: { handle: x.me.username, name: x.me.name }, posts: conversations, replies: x.posted.length, dms: dmConversations(x) };
  };

  const snapshot = (userId: string) => {
    // A page opened for the first time names nobody yet: it gets the first person.
    const me = people.get(userId) ?? opts.people[0]!;
    collectOpenedViews();
    const chans = opts.channels.map((c) => {
      const model = slack.channel(c.id);
      return {
        id: c.id,
        name: c.name,
        group: c.group,
        messages: model.messages().map((m) => messageOut(m, (ts) => model.thread(ts))),
        ephemerals: model.ephemerals().filter((e) => e.user === me.id).map((e) => ({
          ts: e.message_ts,
          text: e.text,
          ...(e.blocks ? { blocks: e.blocks } : {}),
          ...(e.thread_ts ? { threadTs: e.thread_ts } : {}),
        })),
      };
    });
    const stack = stackOf(me.id);
    const top = stack[stack.length - 1];
    const view = top ? viewOf(top) : undefined;
    // The person's DM with the bot (the personal alerts), once the bot has opened it.
    const dmId = slack.directChannel(me.id);
    const dmModel = dmId ? slack.channel(dmId) : undefined;
    const home = slack.home(me.id);
    return {
      workspace: { name: team.name, app: opts.appName, command: opts.command, about: opts.about ?? {} },
      me: me.id,
      people: opts.people,
      channels: chans,
      dm: dmModel ? { id: dmModel.id, messages: dmModel.messages().map((m) => messageOut(m, (ts) => dmModel.thread(ts))) } : null,
      home: home ? { id: home.id, view: home } : null,
      modal: top && view ? { id: top.id, view, errors: top.errors ?? {}, depth: stack.length } : null,
      feed: feed(),
    };
  };

  // ---- acting in the workspace -----------------------------------------------------------

  const click = async (body: Record<string, unknown>) => {
    const me = person(body.user);
    const ch = clickableChannel(body.channel, me);
    const model = slack.channel(ch.id);
    const message = typeof body.ts === 'string' ? model.message(body.ts) : undefined;
    if (!message) throw new WorkspaceRequestInvalidError('that message is gone');
    // The element as it is in the message now: a button's value comes from the bot, never the page.
    const element = findElement(message.blocks, body.blockId, body.actionId);
    if (!element) throw new WorkspaceRequestInvalidError('that button is no longer on the message');
    const action = actionOf(element, typeof body.value === 'string' ? body.value : null);
    const triggerId = newTriggerId();
    pendingTriggers.set(triggerId, { user: me.id, at: Date.now() });
    const payload = blockActionsPayload({
      team,
      user: me,
      channel: { id: ch.id, name: ch.name },
      message: {
        ts: message.ts,
        text: message.text,
        user: message.user,
        ...(message.bot_id ? { bot_id: message.bot_id } : {}),
        ...(message.app_id ? { app_id: message.app_id } : {}),
        ...(message.blocks ? { blocks: message.blocks } : {}),
        ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
      },
      action,
      blockId: String(body.blockId),
      triggerId,
      responseUrl: slack.responseUrl({ channel: ch.id, ts: message.ts, user: me.id }),
    });
    const r = await sendInteraction(payload);
    localChanges += 1;
    return { status: r.status };
  };

  const submit = async (body: Record<string, unknown>) => {
    const me = person(body.user);
    const stack = stackOf(me.id);
    const open = stack[stack.length - 1];
    if (!open || open.id !== body.viewId) throw new WorkspaceRequestInvalidError('that form is not open', 409);
    const view = viewOf(open);
    if (!view) throw new WorkspaceRequestInvalidError('that form is gone', 409);
    const values = viewValues(view, (body.values ?? {}) as Record<string, unknown>);
    const r = await sendInteraction(viewSubmissionPayload({ team, user: me, view, values, triggerId: newTriggerId() }));
    localChanges += 1;
    if (r.status !== 200) return { status: r.status, closed: false };
    let answer: { response_action?: string; errors?: Record<string, string>; view?: Record<string, unknown> } = {};
    try {
      answer = r.text.trim() ? (JSON.parse(r.text) as typeof answer) : {};
    } catch {
      answer = {};
    }
    switch (answer.response_action) {
      case 'errors':
        open.errors = answer.errors ?? {};
        return { status: r.status, closed: false, errors: open.errors };
      case 'update':
        if (answer.view) {
          open.inline = { ...answer.view, id: open.id };
          delete open.errors;
        }
        return { status: r.status, closed: false };
      case 'push':
        if (answer.view) {
          const id = `${open.id}-pushed-${stack.length}`;
          stack.push({ id, triggerId: open.triggerId, inline: { ...answer.view, id } });
        }
        return { status: r.status, closed: false };
      case 'clear':
        stack.length = 0;
        return { status: r.status, closed: true };
      default:
        stack.pop();
        return { status: r.status, closed: true };
    }
  };

  /** A button or menu inside an open modal: block_actions with the view as its container. */
  const viewAction = async (body: Record<string, unknown>) => {
    const me = person(body.user);
    const stack = stackOf(me.id);
    const open = stack[stack.length - 1];
    if (!open || open.id !== body.viewId) throw new WorkspaceRequestInvalidError('that form is not open', 409);
    const view = viewOf(open);
    const element = view ? findElement(view.blocks, body.blockId, body.actionId) : undefined;
    if (!view || !element) throw new WorkspaceRequestInvalidError('that control is no longer in the form');
    const triggerId = newTriggerId();
    pendingTriggers.set(triggerId, { user: me.id, at: Date.now() });
    const payload = viewActionsPayload({
      team,
      user: me,
      view,
      values: viewValues(view, (body.values ?? {}) as Record<string, unknown>),
      action: actionOf(element, typeof body.value === 'string' ? body.value : null),
      blockId: String(body.blockId),
      triggerId,
    });
    const r = await sendInteraction(payload);
    localChanges += 1;
    return { status: r.status };
  };

  const close = async (body: Record<string, unknown>) => {
    const me = person(body.user);
    const stack = stackOf(me.id);
    const open = stack[stack.length - 1];
    if (!open || open.id !== body.viewId) return { closed: false };
    const view = viewOf(open);
    stack.length = 0;
    localChanges += 1;
    if (view?.notify_on_close === true) await sendInteraction(viewClosedPayload({ team, user: me, view }));
    return { closed: true };
  };

  const command = async (body: Record<string, unknown>) => {
    const me = person(body.user);
    const ch = channelOf(body.channel);
    const text = typeof body.text === 'string' ? body.text.trim() : '';
    const m = new RegExp(`^${opts.command}(?:\\s+|$)`).exec(text);
    if (!m) throw new WorkspaceRequestInvalidError(`only ${opts.command} commands can be sent here`);
    const triggerId = newTriggerId();
    pendingTriggers.set(triggerId, { user: me.id, at: Date.now() });
    // Answers to the command land in the channel: ephemeral ones for this person only.
    const responseUrl = slack.responseUrl({ channel: ch.id, user: me.id });
    const form = slashCommandForm({ team, user: me, channel: { id: ch.id, name: ch.name }, command: opts.command, text: text.slice(m[0].length), responseUrl, triggerId });
    const r = await sendToApp(new URLSearchParams(form).toString(), 'application/x-www-form-urlencoded');
    localChanges += 1;
    return { status: r.status };
  };

  const postAsCustomer = (body: Record<string, unknown>) => {
    const handle = typeof body.author === 'string' ? body.author.trim().replace(/^@/, '') : '';
    const text = typeof body.text === 'string' ? body.text.trim() : '';
    if (!/^[A-Za-z0-9_]{1,15}$/.test(handle)) throw new WorkspaceRequestInvalidError('a handle is 1 to 15 letters, digits or _');
    if (text === '' || text.length > 280) throw new WorkspaceRequestInvalidError('a post is 1 to 280 characters');
    if (handle.toLowerCase() === x.me.username.toLowerCase()) throw new WorkspaceRequestInvalidError('post as a customer, not as the brand');
    const t = x.addTweet({ text, author: handle });
    localChanges += 1;
    return { id: t.id };
  };

  /** The person opened the app's Home tab: Slack sends `app_home_opened`, signed, as JSON. */
  const homeOpened = async (body: Record<string, unknown>) => {
    const me = person(body.user);
    const event = appHomeOpenedEvent({ team, user: me, channel: slack.directChannel(me.id) ?? imOf(me.id), botUserId: opts.botUserId, view: slack.home(me.id) });
    const r = await sendToApp(JSON.stringify(event), 'application/json');
    localChanges += 1;
    return { status: r.status };
  };

  /** A button in the person's App Home: block_actions with the home view as its container. */
  const homeAction = async (body: Record<string, unknown>) => {
    const me = person(body.user);
    const view = slack.home(me.id);
    if (!view || (body.viewId !== undefined && body.viewId !== view.id)) throw new WorkspaceRequestInvalidError('that Home tab is not the one shown any more', 409);
    const element = findElement(view.blocks, body.blockId, body.actionId);
    if (!element) throw new WorkspaceRequestInvalidError('that button is no longer in the Home tab');
    const triggerId = newTriggerId();
    pendingTriggers.set(triggerId, { user: me.id, at: Date.now() });
    const payload = viewActionsPayload({
      team, user: me, view, values: {}, action: actionOf(element, typeof body.value === 'string' ? body.value : null), blockId: String(body.blockId), triggerId,
    });
    const r = await sendInteraction(payload);
    localChanges += 1;
    return { status: r.status };
  };

  /** The visitor, as a customer, sends the brand a direct message on X (the customer panel). */
  const dmAsCustomer = (body: Record<string, unknown>) => {
    const handle = typeof body.author === 'string' ? body.author.trim().replace(/^@/, '') : '';
    const text = typeof body.text === 'string' ? body.text.trim() : '';
    if (!/^[A-Za-z0-9_]{1,15}$/.test(handle)) throw new WorkspaceRequestInvalidError('a handle is 1 to 15 letters, digits or _');
    if (text === '' || text.length > MAX_DM) throw new WorkspaceRequestInvalidError(`a direct message here is 1 to ${MAX_DM} characters`);
    if (handle.toLowerCase() === x.me.username.toLowerCase()) throw new WorkspaceRequestInvalidError('write as a customer, not as the brand');
    const ev = x.addDm({ from: handle, text });
    localChanges += 1;
    return { id: ev.id };
  };

  // ---- HTTP ------------------------------------------------------------------------------

  /** Cheap to compute and changes whenever anything the page shows may have changed. */
  const fingerprint = (): string =>
    `${slack.calls.length}:${slack.responses().length}:${x.calls.length}:${x.tweets.length}:${x.dms.length}:${localChanges}`;
  let lastPrint = fingerprint();
  const ticker = setInterval(() => {
    const now = fingerprint();
    if (now === lastPrint) return;
    lastPrint = now;
    for (const res of sseClients) res.write(`event: change\ndata: ${JSON.stringify({ at: Date.now() })}\n\n`);
  }, opts.changeCheckMs ?? 250);
  // Comments keep idle connections open through proxies and tell the page the server is alive.
  const keepAlive = setInterval(() => {
    for (const res of sseClients) res.write(': alive\n\n');
  }, 15_000);

  const readJson = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    // JSON only: a cross-site form post cannot send it without a CORS preflight we never allow.
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new WorkspaceRequestInvalidError('send JSON', 415);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new WorkspaceRequestInvalidError('too large', 413);
      chunks.push(chunk as Buffer);
    }
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new WorkspaceRequestInvalidError('send a JSON object');
    return parsed as Record<string, unknown>;
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const SECURITY_HEADERS = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  };

  const routes: Record<string, (body: Record<string, unknown>) => Promise<unknown> | unknown> = {
    'POST /api/click': click,
    'POST /api/submit': submit,
    'POST /api/view-action': viewAction,
    'POST /api/close': close,
    'POST /api/command': command,
    'POST /api/post': postAsCustomer,
    'POST /api/dm': dmAsCustomer,
    'POST /api/home-opened': homeOpened,
    'POST /api/home-action': homeAction,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    // A page on another site may resolve its own name to 127.0.0.1 (DNS rebinding): answer
    // only requests addressed to this machine by a loopback name.
    if (isLoopback(opts.host)) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!isLoopback(host)) return json(res, 403, { error: 'use http://localhost' });
    }
    const key = `${req.method} ${url.pathname}`;
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/feed' || url.pathname.startsWith('/channel/') || url.pathname === '/app/home' || url.pathname === '/app/messages')) {
      const page = files.get('index.html')!;
      res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store', ...SECURITY_HEADERS });
      return void res.end(page.body);
    }
    const asset = /^\/static\/([a-z0-9-]+\.[a-z]+)$/.exec(url.pathname)?.[1];
    if (req.method === 'GET' && asset) {
      const f = files.get(asset);
      if (!f) return json(res, 404, { error: 'not found' });
      res.writeHead(200, { 'content-type': f.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
      return void res.end(f.body);
    }
    if (key === 'GET /api/snapshot') return json(res, 200, snapshot(url.searchParams.get('user') ?? ''));
    if (key === 'GET /api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    const file = /^\/api\/files\/([A-Z0-9]+)$/.exec(url.pathname)?.[1];
    if (req.method === 'GET' && file) {
      const f = slack.file(file);
      if (!f?.bytes) return json(res, 404, { error: 'not found' });
      const png = f.bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      res.writeHead(200, { 'content-type': png ? 'image/png' : 'application/octet-stream', 'cache-control': 'no-store', ...SECURITY_HEADERS });
      return void res.end(f.bytes);
    }
    const route = routes[key];
    if (!route) return json(res, 404, { error: 'not found' });
    const body = await readJson(req);
    return json(res, 200, await route(body));
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof WorkspaceRequestInvalidError ? e.status : e instanceof SyntaxError ? 400 : 500;
      if (!res.headersSent) json(res, status, { error: e instanceof Error ? e.message : String(e) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      clearInterval(ticker);
      clearInterval(keepAlive);
      reject(e.code === 'EADDRINUSE' ? new WorkspacePortBusyError(opts.port) : e);
    });
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = isLoopback(opts.host) ? 'localhost' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    port,
    url: `http://${shownHost}:${port}`,
    async close() {
      clearInterval(ticker);
      clearInterval(keepAlive);
      for (const res of sseClients) res.end();
      sseClients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
