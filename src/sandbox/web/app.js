/**
 * The sandbox page: a workspace with the skill groups' channels and a social feed. It reads
 * everything from GET /api/snapshot (the fakes as they are now), is told about changes over
 * server-sent events, and turns clicks into POSTs that the server forwards to the bot as
 * signed Slack requests.
 */
import { el, renderBlocks, renderText } from './blocks.js';
import { dmItems, renderDmCompose } from './dms.js';

const USER_KEY = 'earshot-sandbox-user';
const $ = (id) => document.getElementById(id);

const state = {
  snap: null,
  user: localStorage.getItem(USER_KEY) || '',
  route: routeOf(location.pathname),
  expanded: new Set(),
  seenCounts: {},
  seenPosts: -1,
  knownTs: new Set(),
  first: true,
  modalKey: '',
  shownChannel: '',
  loading: false,
  dirty: false,
  offline: false,
  /** A click waiting for the bot's answer: its channel and the ephemerals there before it. */
  awaiting: null,
  /** How many messages of each person's DM with the bot they have seen (none until they open it). */
  seenDm: {},
  /** Who the Home tab was last opened for (app_home_opened is sent each time it is opened). */
  homeOpenedFor: '',
  /** The feed's tab: public posts, or the brand's direct messages. */
  feedTab: 'posts',
};

function routeOf(path) {
  const m = /^\/channel\/([A-Z0-9]+)$/.exec(path);
  if (m) return { kind: 'channel', id: m[1] };
  if (path === '/feed') return { kind: 'feed' };
  const app = /^\/app\/(home|messages)$/.exec(path);
  if (app) return { kind: 'app', tab: app[1] };
  return { kind: 'home' };
}

function go(path) {
  const [p, hash] = path.split('#');
  history.pushState(null, '', path);
  state.route = routeOf(p);
  if (state.route.kind !== 'app' || state.route.tab !== 'home') state.homeOpenedFor = '';
  render();
  if (hash) flash(hash);
}

// ---- talking to the sandbox server ------------------------------------------------------

async function api(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: state.user, ...body }),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `the sandbox answered ${res.status}`);
  return data;
}

async function refresh() {
  if (state.loading) {
    state.dirty = true;
    return;
  }
  state.loading = true;
  const asked = state.user;
  try {
    const res = await fetch(`/api/snapshot?user=${encodeURIComponent(asked)}`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const snap = await res.json();
    // The person was switched while this snapshot was on its way: it is someone else's
    // view, and adopting its `me` would switch them back. The next refresh asks again.
    if (state.user !== asked) {
      state.dirty = true;
      return;
    }
    state.snap = snap;
    if (state.user !== state.snap.me) {
      state.user = state.snap.me;
      localStorage.setItem(USER_KEY, state.user);
    }
    state.offline = false;
    render();
  } catch (e) {
    // Said once, not on every retry while the sandbox is down.
    if (!state.offline) toast(`The sandbox is not answering (${e.message}). Is "npm run demo" still running?`, 'error');
    state.offline = true;
  } finally {
    state.loading = false;
    if (state.dirty) {
      state.dirty = false;
      refresh();
    }
  }
}

function listen() {
  const events = new EventSource('/api/events');
  events.addEventListener('change', () => refresh());
  events.addEventListener('open', () => refresh());
  // Server-sent events reconnect by themselves; a slow poll covers anything missed meanwhile.
  setInterval(refresh, 5000);
}

// ---- small helpers ----------------------------------------------------------------------

function toast(text, kind = 'info') {
  const t = el('div', `toast toast-${kind}`, text);
  $('toasts').append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

/**
 * The bot's answer to a click, where the person is looking: Slack shows it at the foot of
 * the channel, which may be far below the card that was clicked.
 */
function answerToast(e) {
  const t = el('div', 'toast toast-answer');
  t.setAttribute('role', 'alert');
  t.append(el('div', 'toast-label', 'Only visible to you'));
  t.append(renderText({ type: 'mrkdwn', text: e.text ?? '' }, { link: linkTarget }, 'toast-text'));
  const close = el('button', 'toast-close', '×');
  close.type = 'button';
  close.setAttribute('aria-label', 'Dismiss');
  close.addEventListener('click', () => t.remove());
  t.append(close);
  $('toasts').append(t);
  setTimeout(() => t.remove(), 12000);
}

/** New ephemerals in the channel of a click still waiting for its answer are shown as toasts. */
function showClickAnswers(snap) {
  const w = state.awaiting;
  if (!w) return;
  if (Date.now() > w.until) {
    state.awaiting = null;
    return;
  }
  const channel = channelById(w.channel);
  for (const e of channel?.ephemerals ?? []) {
    if (w.known.has(e.ts)) continue;
    w.known.add(e.ts);
    answerToast(e);
  }
}

// Cards give times as 24-hour clock times with the zone (UTC in the sandbox); the page does too.
const CLOCK = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
const clock = (date) => `${CLOCK.format(date)} UTC`;
const timeOf = (ts) => clock(new Date(Number(ts) * 1000));
const initials = (name) => name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join('').toUpperCase() || '?';
const hue = (s) => [...s].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
const compact = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

function avatar(name, kind) {
  const a = el('div', `avatar${kind ? ` avatar-${kind}` : ''}`, kind === 'bot' ? '' : initials(name));
  if (kind !== 'bot') a.style.setProperty('--hue', String(hue(name)));
  a.setAttribute('aria-hidden', 'true');
  return a;
}

/** X status links on cards point at the sandbox's own feed (the real x.com is not involved). */
function linkTarget(url) {
  const m = /^https:\/\/x\.com\/i\/web\/status\/(\d+)$/.exec(url);
  if (m) return { href: `/feed#post-${m[1]}`, internal: true };
  // Slack permalinks (a DM alert's "Open the card") point at the card in the sandbox's channel.
  const p = /^https:\/\/(?:[a-z0-9-]+\.)?slack\.com\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})(?:\?|$)/.exec(url);
  return p ? { href: `/channel/${p[1]}#m-${p[2]}-${p[3]}`, internal: true } : undefined;
}

function flash(id) {
  requestAnimationFrame(() => {
    const target = document.getElementById(id);
    if (!target) return;
    target.scrollIntoView({ block: 'center', behavior: 'smooth' });
    target.classList.remove('flash');
    void target.offsetWidth;
    target.classList.add('flash');
  });
}

/**
 * Puts `items` ({ key, sig, build }) into `container` in order, reusing the node of every item
 * whose signature has not changed. A refresh then leaves untouched whatever did not change:
 * a button under the pointer stays the same element, so no click is lost to a re-render.
 */
function reconcile(container, items) {
  const cache = container._nodes ?? new Map();
  const next = new Map();
  const nodes = items.map((item) => {
    const hit = cache.get(item.key);
    const node = hit && hit.sig === item.sig ? hit.node : item.build();
    next.set(item.key, { sig: item.sig, node });
    return node;
  });
  container._nodes = next;
  nodes.forEach((node, i) => {
    if (container.children[i] !== node) container.insertBefore(node, container.children[i] ?? null);
  });
  while (container.children.length > nodes.length) container.lastElementChild.remove();
}

const person = (id) => state.snap?.people.find((p) => p.id === id);
const channelById = (id) => state.snap?.channels.find((c) => c.id === id) ?? (state.snap?.dm?.id === id ? dmChannel(state.snap) : undefined);
/** The person's DM with the bot, shaped as a channel for the message renderer. */
const dmChannel = (snap) => (snap.dm ? { id: snap.dm.id, name: snap.workspace.app, group: '', messages: snap.dm.messages, ephemerals: [] } : undefined);
const channelNames = () => (state.snap?.channels ?? []).map((c) => c.name).join(',');

// ---- rendering ----------------------------------------------------------------------------

function render() {
  const snap = state.snap;
  if (!snap) return;
  if (state.route.kind === 'home') state.route = { kind: 'channel', id: snap.channels[0]?.id };
  const where = state.route.kind === 'feed' ? 'Social feed' : state.route.kind === 'app' ? snap.workspace.app : `#${channelById(state.route.id)?.name ?? ''}`;
  document.title = `${where} · ${snap.workspace.name}`;
  $('ws-name').textContent = snap.workspace.name;
  $('app').classList.toggle('feed-mode', state.route.kind === 'feed');
  renderSwitcher(snap);
  renderChannelList(snap);
  renderAbout(snap);
  $('composer').hidden = state.route.kind === 'app';
  if (state.route.kind === 'feed') {
    state.seenPosts = snap.feed.posts.length;
    renderFeedPage(snap);
  } else if (state.route.kind === 'app') {
    renderApp(snap, state.route.tab);
    renderFeed($('feed-pane'), snap.feed, { compact: true });
  } else {
    renderChannel(snap, state.route.id);
    renderFeed($('feed-pane'), snap.feed, { compact: true });
  }
  const unseenPosts = state.seenPosts < 0 ? 0 : Math.max(0, snap.feed.posts.length - state.seenPosts);
  $('feed-badge').hidden = unseenPosts === 0;
  $('feed-badge').textContent = String(unseenPosts);
  if (state.seenPosts < 0) state.seenPosts = snap.feed.posts.length;
  renderModal(snap);
  showClickAnswers(snap);
  state.first = false;
}

function renderSwitcher(snap) {
  const box = $('switcher');
  box.replaceChildren(el('div', 'switcher-title', 'You are'));
  for (const p of snap.people) {
    const b = el('button', `person${p.id === snap.me ? ' person-active' : ''}`);
    b.type = 'button';
    b.dataset.user = p.id;
    b.setAttribute('aria-pressed', String(p.id === snap.me));
    const who = el('span', 'person-who');
    who.append(el('span', 'person-name', p.realName), el('span', 'person-role', p.role));
    b.append(avatar(p.realName), who);
    b.addEventListener('click', () => {
      if (p.id === state.user) return;
      state.user = p.id;
      localStorage.setItem(USER_KEY, p.id);
      state.modalKey = '';
      toast(`You are now ${p.realName} (${p.role.toLowerCase()}).`);
      refresh();
    });
    box.append(b);
  }
}

function renderChannelList(snap) {
  const list = $('channel-list');
  list.replaceChildren();
  for (const c of snap.channels) {
    const active = state.route.kind === 'channel' && state.route.id === c.id;
    if (active || state.seenCounts[c.id] === undefined) state.seenCounts[c.id] = c.messages.length;
    const unread = c.messages.length - state.seenCounts[c.id];
    const a = el('a', `nav-item${active ? ' nav-active' : ''}${unread > 0 ? ' nav-unread' : ''}`);
    a.href = `/channel/${c.id}`;
    a.dataset.channel = c.name;
    a.append(el('span', 'nav-glyph', '#'), el('span', 'nav-label', c.name));
    if (unread > 0) a.append(el('span', 'badge', String(unread)));
    a.addEventListener('click', (e) => {
      e.preventDefault();
      go(`/channel/${c.id}`);
    });
    const li = el('li');
    li.append(a);
    list.append(li);
  }
  $('feed-link').classList.toggle('nav-active', state.route.kind === 'feed');
  const inApp = state.route.kind === 'app';
  const dmCount = snap.dm?.messages.length ?? 0;
  if (inApp && state.route.tab === 'messages') state.seenDm[snap.me] = dmCount;
  const unreadDm = dmCount - (state.seenDm[snap.me] ?? 0);
  $('app-link').classList.toggle('nav-active', inApp);
  $('app-link').classList.toggle('nav-unread', unreadDm > 0);
  $('app-badge').hidden = unreadDm <= 0;
  $('app-badge').textContent = String(unreadDm);
}

function renderAbout(snap) {
  const list = $('about-list');
  if (list.childElementCount > 0) return;
  for (const [k, v] of Object.entries(snap.workspace.about)) list.append(el('dt', '', k), el('dd', '', v));
}

function renderChannel(snap, id) {
  const channel = channelById(id);
  const header = $('main-header');
  header.replaceChildren();
  if (!channel) {
    header.append(el('h1', 'main-title', 'No such channel'));
    $('messages').replaceChildren();
    return;
  }
  const title = el('h1', 'main-title');
  title.append(el('span', 'hash', '#'), document.createTextNode(channel.name));
  header.append(title, el('span', 'main-sub', `${channel.group} · cards from Earshot`));
  $('composer-input').placeholder = `Message #${channel.name}: try ${snap.workspace.command} help`;

  const box = $('messages');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  const keep = box.scrollTop;
  const who = `${snap.me}|${channel.id}`;
  const items = [
    ...channel.messages.map((m) => ({
      ts: m.ts,
      key: `m${m.ts}`,
      sig: `${who}|${state.expanded.has(m.ts)}|${JSON.stringify(m)}|${JSON.stringify(channel.ephemerals.filter((e) => e.threadTs === m.ts))}`,
      build: () => renderMessage(snap, channel, m, false),
    })),
    ...channel.ephemerals.filter((e) => !e.threadTs).map((e) => ({ ts: e.ts, key: `e${e.ts}`, sig: `${who}|${JSON.stringify(e)}`, build: () => renderEphemeral(snap, e) })),
  ].sort((a, b) => Number(a.ts) - Number(b.ts));
  if (items.length === 0) {
    items.push({
      key: `empty${channel.id}`,
      sig: '',
      build: () => {
        const empty = el('div', 'empty');
        empty.append(el('div', 'empty-title', 'No cards yet'), el('div', 'empty-text', 'Mentions are heard every 5 seconds. Sample posts arrive over the first two minutes, or write your own in the social feed.'));
        return empty;
      },
    });
  }
  reconcile(box, items);
  // A channel opens at its newest message, as in Slack; a refresh keeps where you were.
  const switched = state.shownChannel !== channel.id;
  state.shownChannel = channel.id;
  if (atBottom || switched) box.scrollTop = box.scrollHeight;
  else box.scrollTop = keep;
}

// ---- the app's own page: its Home tab and the DM with it ----------------------------------

function renderApp(snap, tab) {
  const header = $('main-header');
  header.replaceChildren();
  const title = el('h1', 'main-title app-title');
  title.append(avatar(snap.workspace.app, 'bot'), document.createTextNode(snap.workspace.app));
  const tabs = el('nav', 'app-tabs');
  tabs.setAttribute('aria-label', `${snap.workspace.app} tabs`);
  for (const [id, label] of [['home', 'Home'], ['messages', 'Messages']]) {
    const a = el('a', `app-tab${tab === id ? ' app-tab-active' : ''}`, label);
    a.href = `/app/${id}`;
    a.dataset.tab = id;
    if (tab === id) a.setAttribute('aria-current', 'page');
    a.addEventListener('click', (e) => {
      e.preventDefault();
      go(`/app/${id}`);
    });
    tabs.append(a);
  }
  header.append(title, tabs);
  const box = $('messages');
  const switched = state.shownChannel !== `app:${tab}`;
  state.shownChannel = `app:${tab}`;
  if (tab === 'home') renderHome(snap, box);
  else renderDm(snap, box);
  if (switched) box.scrollTop = tab === 'home' ? 0 : box.scrollHeight;
}

/** Slack sends app_home_opened each time a person opens the Home tab; the bot then publishes it. */
function openHome(snap) {
  if (state.homeOpenedFor === snap.me) return;
  state.homeOpenedFor = snap.me;
  api('/api/home-opened', {}).catch((e) => toast(e.message, 'error'));
}

function renderHome(snap, box) {
  openHome(snap);
  const home = snap.home;
  reconcile(box, [{
    key: `home:${snap.me}`,
    sig: JSON.stringify(home),
    build: () => {
      const page = el('div', 'home-view');
      if (!home) {
        page.append(el('div', 'empty-text', 'Opening your Home tab: the bot publishes it when you open it.'));
        return page;
      }
      page.dataset.viewId = home.id;
      page.append(renderBlocks(home.view.blocks ?? [], {
        link: linkTarget,
        people: snap.people,
        channels: snap.channels,
        onButton: (blockId, element, button) => homeAction(home, blockId, element, button),
        onSelect: (blockId, element, value, menu) => homeAction(home, blockId, element, menu, value),
      }));
      return page;
    },
  }]);
}

async function homeAction(home, blockId, element, control, value) {
  control.disabled = true;
  try {
    const r = await api('/api/home-action', { viewId: home.id, blockId, actionId: element.action_id, ...(value !== undefined ? { value } : {}) });
    if (r.status !== 200) toast(`The bot answered HTTP ${r.status} to that click.`, 'error');
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    control.disabled = false;
    refresh();
  }
}

function renderDm(snap, box) {
  const channel = dmChannel(snap);
  const items = (channel?.messages ?? []).map((m) => ({
    key: `m${m.ts}`,
    sig: `${snap.me}|${channel.id}|${state.expanded.has(m.ts)}|${JSON.stringify(m)}`,
    build: () => renderMessage(snap, channel, m, false),
  }));
  if (items.length === 0) {
    items.push({
      key: `dm-empty${snap.me}`,
      sig: '',
      build: () => {
        const empty = el('div', 'empty');
        empty.append(el('div', 'empty-title', 'No messages yet'), el('div', 'empty-text', `${snap.workspace.app} writes to you here when a case is suggested to you, a draft waits for your approval, or your draft is sent back. Its buttons work here as on the card.`));
        return empty;
      },
    });
  }
  reconcile(box, items);
}

function messageHead(name, kind, ts, extra) {
  const head = el('div', 'msg-head');
  head.append(el('span', 'msg-author', name));
  if (kind === 'bot') head.append(el('span', 'app-tag', 'APP'));
  head.append(el('span', 'msg-time', timeOf(ts)));
  if (extra) head.append(extra);
  return head;
}

function renderMessage(snap, channel, m, inThread) {
  const isNew = !state.first && !state.knownTs.has(m.ts);
  state.knownTs.add(m.ts);
  const row = el('div', `msg${m.kind === 'earshot_case' ? ' msg-card' : ''}${inThread ? ' msg-reply' : ''}${isNew ? ' msg-new' : ''}`);
  row.id = `m-${m.ts.replace('.', '-')}`;
  row.dataset.ts = m.ts;
  const author = m.bot ? snap.workspace.app : person(m.user)?.realName ?? m.user;
  row.append(avatar(author, m.bot ? 'bot' : ''));
  const body = el('div', 'msg-body');
  body.append(messageHead(author, m.bot ? 'bot' : '', m.ts));
  const ctx = {
    link: linkTarget,
    people: snap.people,
    channels: snap.channels,
    onButton: (blockId, element, button) => clickButton(channel, m, blockId, element, button),
    onSelect: (blockId, element, value, menu) => clickButton(channel, m, blockId, element, menu, value),
  };
  if (Array.isArray(m.blocks) && m.blocks.length > 0) body.append(renderBlocks(m.blocks, ctx));
  else body.append(renderText({ type: 'mrkdwn', text: m.text }, ctx));
  for (const f of m.files ?? []) {
    const file = el('figure', 'file');
    const img = el('img', 'file-image');
    img.src = `/api/files/${encodeURIComponent(f.id)}`;
    img.alt = f.title;
    img.loading = 'lazy';
    file.append(img, el('figcaption', 'file-caption', f.title || f.name));
    body.append(file);
  }
  if (!inThread) body.append(renderThread(snap, channel, m));
  row.append(body);
  return row;
}

function renderThread(snap, channel, m) {
  const ephemerals = channel.ephemerals.filter((e) => e.threadTs === m.ts);
  const count = m.replies.length + ephemerals.length;
  const box = el('div', 'thread');
  if (count === 0) return box;
  const open = state.expanded.has(m.ts);
  const toggle = el('button', 'thread-toggle');
  toggle.type = 'button';
  toggle.setAttribute('aria-expanded', String(open));
  const last = m.replies[m.replies.length - 1];
  toggle.append(el('span', 'thread-count', `${count} ${count === 1 ? 'reply' : 'replies'}`), el('span', 'thread-last', open ? 'Hide thread' : last ? `Last reply ${timeOf(last.ts)}` : ''));
  toggle.addEventListener('click', () => {
    if (state.expanded.has(m.ts)) state.expanded.delete(m.ts);
    else state.expanded.add(m.ts);
    render();
  });
  box.append(toggle);
  if (open) {
    const list = el('div', 'thread-list');
    const items = [
      ...m.replies.map((r) => ({ ts: r.ts, node: renderMessage(snap, channel, r, true) })),
      ...ephemerals.map((e) => ({ ts: e.ts, node: renderEphemeral(snap, e) })),
    ].sort((a, b) => Number(a.ts) - Number(b.ts));
    list.append(...items.map((i) => i.node));
    box.append(list);
  }
  return box;
}

function renderEphemeral(snap, e) {
  const row = el('div', 'msg msg-ephemeral');
  row.append(avatar(snap.workspace.app, 'bot'));
  const body = el('div', 'msg-body');
  body.append(messageHead(snap.workspace.app, 'bot', e.ts, el('span', 'only-you', 'Only visible to you')));
  if (Array.isArray(e.blocks) && e.blocks.length > 0) body.append(renderBlocks(e.blocks, { link: linkTarget }));
  else body.append(renderText({ type: 'mrkdwn', text: e.text }, { link: linkTarget }));
  row.append(body);
  return row;
}

// ---- actions ------------------------------------------------------------------------------

async function clickButton(channel, message, blockId, element, button, value) {
  button.disabled = true;
  button.classList.add('bk-busy');
  // The bot may answer only the clicker (a refusal, a note): watch for it to show it in view.
  const known = new Set((channelById(channel.id)?.ephemerals ?? []).map((e) => e.ts));
  state.awaiting = { channel: channel.id, known, until: Date.now() + 15000 };
  try {
    const r = await api('/api/click', { channel: channel.id, ts: message.ts, blockId, actionId: element.action_id, ...(value !== undefined ? { value } : {}) });
    if (r.status !== 200) toast(`The bot answered HTTP ${r.status} to that click.`, 'error');
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    // A refused click leaves the card as it was, and this very button with it: make it usable again.
    button.disabled = false;
    button.classList.remove('bk-busy');
    refresh();
  }
}

$('composer').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const input = $('composer-input');
  const text = input.value.trim();
  if (!text || state.route.kind !== 'channel') return;
  const command = state.snap?.workspace.command ?? '/earshot';
  if (!text.startsWith(command)) {
    toast(`Only ${command} commands go to the bot here: try "${command} help".`);
    return;
  }
  input.value = '';
  try {
    const r = await api('/api/command', { channel: state.route.id, text });
    if (r.status !== 200) toast(`The bot answered HTTP ${r.status} to that command.`, 'error');
  } catch (e) {
    toast(e.message, 'error');
  }
  refresh();
});

// ---- modals -------------------------------------------------------------------------------

function typedValues(form) {
  const values = {};
  for (const f of form.querySelectorAll('.bk-field')) values[f.name] = f.value;
  return values;
}

/**
 * What was typed, to put back after the bot changed the view. Only where the input kept its
 * action_id: a bot that changes it (to refill a field from a template) wants it reset, and
 * Slack's own client resets it too.
 */
function keptValues(form, view) {
  const kept = {};
  if (!form || form.dataset.viewId !== view.id) return kept;
  const actionIds = new Map((view.blocks ?? []).filter((b) => b.type === 'input').map((b) => [b.block_id, b.element?.action_id]));
  for (const f of form.querySelectorAll('.bk-field')) {
    if (actionIds.get(f.name) === f.dataset.actionId) kept[f.name] = f.value;
  }
  return kept;
}

function renderModal(snap) {
  const root = $('modal-root');
  const modal = snap.modal;
  if (!modal) {
    state.modalKey = '';
    root.replaceChildren();
    return;
  }
  const key = `${snap.me}|${modal.id}|${modal.view.hash}|${JSON.stringify(modal.errors)}`;
  if (key === state.modalKey) return;
  const view = modal.view;
  const kept = keptValues(root.querySelector('form'), view);
  state.modalKey = key;

  const backdrop = el('div', 'modal-backdrop');
  const dialog = el('div', 'modal');
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-modal', 'true');
  dialog.setAttribute('aria-labelledby', 'modal-title');
  const head = el('div', 'modal-head');
  const title = el('h2', 'modal-title', view.title?.text ?? '');
  title.id = 'modal-title';
  const x = el('button', 'modal-x', '×');
  x.type = 'button';
  x.setAttribute('aria-label', 'Close');
  head.append(avatar(snap.workspace.app, 'bot'), title, x);

  const form = el('form', 'modal-body');
  form.dataset.viewId = modal.id;
  form.noValidate = true;
  const act = async (blockId, element, value, control) => {
    control.disabled = true;
    try {
      const r = await api('/api/view-action', { viewId: modal.id, blockId, actionId: element.action_id, ...(value !== undefined ? { value } : {}), values: typedValues(form) });
      if (r.status !== 200) toast(`The bot answered HTTP ${r.status}.`, 'error');
    } catch (e) {
      toast(e.message, 'error');
    } finally {
      control.disabled = false;
      refresh();
    }
  };
  form.append(renderBlocks(view.blocks, {
    link: linkTarget,
    values: kept,
    errors: modal.errors,
    people: snap.people,
    channels: snap.channels,
    onButton: (blockId, element, button) => act(blockId, element, undefined, button),
    onSelect: (blockId, element, value, menu) => act(blockId, element, value, menu),
  }));

  const foot = el('div', 'modal-foot');
  const cancel = el('button', 'btn btn-secondary', view.close?.text ?? 'Cancel');
  cancel.type = 'button';
  foot.append(cancel);
  if (view.submit) {
    const submit = el('button', 'btn btn-primary', view.submit.text);
    submit.type = 'submit';
    submit.setAttribute('form', 'modal-form');
    foot.append(submit);
  }
  form.id = 'modal-form';
  dialog.append(head, form, foot);
  backdrop.append(dialog);
  root.replaceChildren(backdrop);

  const closeModal = async () => {
    try {
      await api('/api/close', { viewId: modal.id });
    } catch (e) {
      toast(e.message, 'error');
    }
    refresh();
  };
  x.addEventListener('click', closeModal);
  cancel.addEventListener('click', closeModal);
  backdrop.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeModal();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitModal(form, modal);
  });
  const first = form.querySelector('.bk-field');
  if (first) {
    first.focus();
    if (first.setSelectionRange) first.setSelectionRange(first.value.length, first.value.length);
  }
}

/** Checks what Slack's own client checks before it sends anything: required fields, lengths. */
function localErrors(form) {
  const errors = {};
  for (const f of form.querySelectorAll('.bk-field')) {
    const min = Number(f.dataset.minLength || 0);
    if (f.dataset.required === 'true' && f.value.trim() === '') errors[f.name] = 'Please complete this required field.';
    else if (min && f.value.length < min) errors[f.name] = `Please enter at least ${min} characters.`;
  }
  return errors;
}

function showErrors(form, errors) {
  for (const box of form.querySelectorAll('.bk-input')) {
    box.classList.remove('bk-has-error');
    box.querySelector('.bk-error')?.remove();
    const message = errors[box.dataset.blockId];
    if (!message) continue;
    box.classList.add('bk-has-error');
    const err = el('div', 'bk-error', message);
    const field = box.querySelector('.bk-counter') ?? box.querySelector('.bk-field');
    field.after(err);
  }
}

async function submitModal(form, modal) {
  const local = localErrors(form);
  if (Object.keys(local).length > 0) return showErrors(form, local);
  const submit = document.querySelector('.modal-foot .btn-primary');
  if (submit) submit.disabled = true;
  try {
    const r = await api('/api/submit', { viewId: modal.id, values: typedValues(form) });
    if (r.errors) showErrors(form, r.errors);
    else if (r.status !== 200) toast(`The bot answered HTTP ${r.status} to that form.`, 'error');
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    if (submit) submit.disabled = false;
    refresh();
  }
}

// ---- the social feed ------------------------------------------------------------------------

function renderPost(post, feed, { reply }) {
  const item = el('article', `post${post.fromBrand ? ' post-brand' : ''}${reply ? ' post-reply' : ''}`);
  item.id = `post-${post.id}`;
  item.append(avatar(post.author.name || post.author.handle, post.fromBrand ? 'brand' : ''));
  const body = el('div', 'post-body');
  const head = el('div', 'post-head');
  head.append(el('span', 'post-name', post.author.name || post.author.handle));
  if (post.author.verified) head.append(el('span', 'post-verified', '✓'));
  head.append(el('span', 'post-handle', `@${post.author.handle}`), el('span', 'post-time', `· ${clock(new Date(post.createdAt))}`));
  body.append(head);
  if (post.repostOf) body.append(el('div', 'post-repost', 'Reposted'));
  // Posts are plain text: textContent only.
  body.append(el('div', 'post-text', post.text));
  const meta = el('div', 'post-meta');
  if (post.fromBrand) meta.append(el('span', 'post-sent', 'Sent from Earshot'));
  else {
    meta.append(el('span', 'post-followers', `${compact(post.author.followers)} followers`));
    if (post.card) {
      const ch = channelById(post.card.channel);
      const a = el('a', 'post-card-link', `Card in #${ch?.name ?? post.card.channel}`);
      a.href = `/channel/${post.card.channel}#m-${post.card.ts.replace('.', '-')}`;
      a.addEventListener('click', (e) => {
        e.preventDefault();
        go(a.getAttribute('href'));
      });
      meta.append(a);
    } else if (!reply) {
      // The bot polls every few seconds; a post still without a card after that was screened out.
      const waiting = Date.now() - Date.parse(post.createdAt) < 20_000;
      meta.append(el('span', 'post-no-card', waiting ? 'Waiting for the next poll' : post.repostOf ? 'Repost: screened out' : 'No card: screened out'));
    }
  }
  body.append(meta);
  item.append(body);
  return item;
}

function renderCompose(feed) {
  const form = el('form', 'compose');
  form.autocomplete = 'off';
  const title = el('div', 'compose-title', 'Post as a customer');
  const handle = el('input', 'compose-handle');
  handle.name = 'author';
  handle.value = 'you';
  handle.setAttribute('aria-label', 'Your handle');
  const text = el('textarea', 'compose-text');
  text.name = 'text';
  text.rows = 2;
  text.maxLength = 280;
  text.placeholder = '@larkspurair my flight was cancelled, what now?';
  text.setAttribute('aria-label', 'Post text');
  const send = el('button', 'btn btn-primary', 'Post');
  send.type = 'submit';
  const row = el('div', 'compose-row');
  row.append(el('span', 'compose-at', '@'), handle, send);
  form.append(title, text, row, el('div', 'compose-hint', 'Mention @larkspurair, @larkspurbank or @larkspurmobile and the bot hears it at its next poll.'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('/api/post', { author: handle.value, text: text.value });
      text.value = '';
      toast('Posted. The bot polls every 5 seconds.');
    } catch (err) {
      toast(err.message, 'error');
    }
    refresh();
  });
  return form;
}

function feedTabs(feed) {
  const tabs = el('div', 'feed-tabs');
  tabs.setAttribute('role', 'tablist');
  for (const [id, label] of [['posts', 'Posts'], ['dms', `Direct messages${feed.dms.length ? ` (${feed.dms.length})` : ''}`]]) {
    const b = el('button', `feed-tab${state.feedTab === id ? ' feed-tab-active' : ''}`, label);
    b.type = 'button';
    b.dataset.tab = id;
    b.setAttribute('role', 'tab');
    b.setAttribute('aria-selected', String(state.feedTab === id));
    b.addEventListener('click', () => {
      if (state.feedTab === id) return;
      state.feedTab = id;
      render();
    });
    tabs.append(b);
  }
  return tabs;
}

function renderFeed(container, feed, { compact: isPane }) {
  const tab = state.feedTab;
  const sameTab = container.dataset.tab === tab;
  container.dataset.tab = tab;
  const keep = sameTab ? container.querySelector('.feed-list')?.scrollTop ?? 0 : 0;
  const typing = sameTab ? container.querySelector('.compose') : null;
  const head = el('header', 'feed-head');
  const title = el('h2', 'feed-title', 'Social feed');
  head.append(title, el('span', 'feed-sub', `X, as seen by @${feed.account.handle} · ${feed.replies} ${feed.replies === 1 ? 'reply' : 'replies'} sent`), feedTabs(feed));
  const list = (sameTab && container.querySelector('.feed-list')) || el('div', 'feed-list');
  if (tab === 'dms') {
    reconcile(list, dmItems(feed, { avatar, clock, onAnswer: (handle) => container.querySelector('.compose-dm')?.answerAs(handle) }));
    const compose = typing ?? renderDmCompose(feed, { api, toast, refresh });
    if (!sameTab || !container.contains(list)) container.replaceChildren(head, compose, list);
    else container.replaceChild(head, container.querySelector('.feed-head'));
    list.scrollTop = keep;
    container.classList.toggle('feed-wide', !isPane);
    return;
  }
  // Waiting posts change label once they are old enough: the minute is part of the signature.
  const waitWindow = Math.floor(Date.now() / 20_000);
  const items = feed.posts.map((post) => ({
    key: post.id,
    sig: `${JSON.stringify(post)}|${post.card || post.fromBrand ? '' : waitWindow}|${channelNames()}`,
    build: () => {
      const thread = el('div', 'conversation');
      thread.append(renderPost(post, feed, { reply: false }));
      for (const r of post.replies) thread.append(renderPost(r, feed, { reply: true }));
      return thread;
    },
  }));
  if (items.length === 0) items.push({ key: 'empty', sig: '', build: () => el('div', 'empty-text feed-empty', 'Nothing posted yet.') });
  reconcile(list, items);
  // Keep the compose box (and what is being typed in it) across refreshes.
  const compose = typing ?? renderCompose(feed);
  if (!sameTab || container.children[0] === undefined || !container.contains(list)) container.replaceChildren(head, compose, list);
  else container.replaceChild(head, container.querySelector('.feed-head'));
  list.scrollTop = keep;
  container.classList.toggle('feed-wide', !isPane);
}

function renderFeedPage(snap) {
  const header = $('main-header');
  header.replaceChildren(el('h1', 'main-title', 'Social feed'), el('span', 'main-sub', 'What customers posted, and the replies the bot sent'));
  const box = $('messages');
  state.shownChannel = '';
  let pane = box.querySelector('.feed-page');
  if (!pane) {
    pane = el('section', 'feed-page');
    box.replaceChildren(pane);
  }
  renderFeed(pane, snap.feed, { compact: false });
  if (location.hash && state.first) flash(location.hash.slice(1));
}

// ---- start --------------------------------------------------------------------------------

document.addEventListener('click', (e) => {
  const a = e.target instanceof Element ? e.target.closest('a') : null;
  if (!a || e.defaultPrevented || e.metaKey || e.ctrlKey) return;
  if (a.dataset.internal === 'true' || a.id === 'feed-link') {
    e.preventDefault();
    go(a.getAttribute('href'));
  }
});
window.addEventListener('popstate', () => {
  state.route = routeOf(location.pathname);
  if (state.route.kind !== 'app' || state.route.tab !== 'home') state.homeOpenedFor = '';
  render();
});

refresh().then(() => {
  if (location.hash) flash(location.hash.slice(1));
});
listen();
