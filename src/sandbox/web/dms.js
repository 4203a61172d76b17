/**
 * The social feed's direct messages: the brand's private conversations with customers on
 * X (what Move to DM and a private reply sent, and what the customers answered), and the
 * customer panel where the visitor writes a DM to the brand as a customer. Messages are
 * plain text, built with textContent only.
 */
import { el } from './blocks.js';

/** The conversations as reconcile() items, newest first. */
export function dmItems(feed, { avatar, clock, onAnswer }) {
  const items = feed.dms.map((conv) => ({
    key: `dm:${conv.customer.handle}`,
    sig: JSON.stringify(conv),
    build: () => renderConversation(conv, feed, { avatar, clock, onAnswer }),
  }));
  if (items.length === 0) {
    items.push({
      key: 'dm-empty',
      sig: '',
      build: () => el('div', 'empty-text feed-empty', 'No direct messages yet. When a case is moved to DM, the bot writes to the customer here, and you can answer as them.'),
    });
  }
  return items;
}

function renderConversation(conv, feed, { avatar, clock, onAnswer }) {
  const box = el('article', 'conversation dm-conversation');
  box.id = `dm-${conv.customer.handle}`;
  const head = el('div', 'dm-head');
  const who = el('div', 'dm-who');
  who.append(el('span', 'post-name', conv.customer.name || conv.customer.handle), el('span', 'post-handle', ` @${conv.customer.handle} · with @${feed.account.handle}`));
  const answer = el('button', 'btn btn-secondary dm-answer', `Answer as @${conv.customer.handle}`);
  answer.type = 'button';
  answer.addEventListener('click', () => onAnswer(conv.customer.handle));
  head.append(avatar(conv.customer.name || conv.customer.handle), who, answer);
  box.append(head);
  const list = el('div', 'dm-messages');
  for (const m of conv.messages) {
    const row = el('div', `dm-message${m.fromBrand ? ' dm-from-brand' : ''}`);
    row.append(el('div', 'dm-bubble', m.text));
    row.append(el('div', 'dm-meta', `${m.fromBrand ? `@${feed.account.handle}, sent from Earshot` : `@${conv.customer.handle}`} · ${clock(new Date(m.createdAt))}`));
    list.append(row);
  }
  box.append(list);
  return box;
}

/** The customer panel: a DM to the brand from a customer's handle. */
export function renderDmCompose(feed, { api, toast, refresh }) {
  const form = el('form', 'compose compose-dm');
  form.autocomplete = 'off';
  const title = el('div', 'compose-title', `Send @${feed.account.handle} a DM as a customer`);
  const handle = el('input', 'compose-handle');
  handle.name = 'author';
  handle.value = feed.dms[0]?.customer.handle ?? 'you';
  handle.setAttribute('aria-label', 'Your handle');
  const text = el('textarea', 'compose-text');
  text.name = 'text';
  text.rows = 2;
  text.maxLength = 1000;
  text.placeholder = 'Thanks for getting back to me: my booking reference is LKX7Q2';
  text.setAttribute('aria-label', 'Direct message text');
  const send = el('button', 'btn btn-primary', 'Send DM');
  send.type = 'submit';
  const row = el('div', 'compose-row');
  row.append(el('span', 'compose-at', '@'), handle, send);
  form.append(title, text, row, el('div', 'compose-hint', 'The bot reads its DMs every 5 seconds; a DM from the customer of a case moved to DM shows on that case\'s card, personal data masked.'));
  form.answerAs = (who) => {
    handle.value = who;
    text.focus();
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('/api/dm', { author: handle.value, text: text.value });
      text.value = '';
      toast('Sent. The bot reads its DMs every 5 seconds.');
    } catch (err) {
      toast(err.message, 'error');
    }
    refresh();
  });
  return form;
}
