/**
 * Block Kit → DOM, for the blocks Earshot posts and the modals it opens: header, section
 * (mrkdwn or plain text, fields, a button accessory), context, actions (buttons), divider,
 * input (plain_text_input) and rich text (sections, quotes, styled runs). Every string goes in through textContent
 * or the mrkdwn tree; nothing is ever assigned to innerHTML.
 * Reference: docs.slack.dev/reference/block-kit/blocks
 */
import { parseMrkdwn } from './mrkdwn.js';

/** Creates an element with a class and optional text. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * mrkdwn nodes → DOM. `ctx.link(url)` may return `{ href, internal }` to send a link
 * somewhere else (the sandbox points X status links at its own feed).
 */
export function renderNodes(nodes, ctx = {}) {
  const frag = document.createDocumentFragment();
  for (const n of nodes) {
    switch (n.type) {
      case 'text':
        frag.append(document.createTextNode(n.text));
        break;
      case 'br':
        frag.append(el('br'));
        break;
      case 'bold':
      case 'italic':
      case 'strike': {
        const e = el({ bold: 'strong', italic: 'em', strike: 's' }[n.type]);
        e.append(renderNodes(n.children, ctx));
        frag.append(e);
        break;
      }
      case 'code':
        frag.append(el('code', 'md-code', n.text));
        break;
      case 'pre':
        frag.append(el('pre', 'md-pre', n.text));
        break;
      case 'quote': {
        const q = el('blockquote', 'md-quote');
        q.append(renderNodes(n.children, ctx));
        frag.append(q);
        break;
      }
      case 'link': {
        const target = ctx.link ? ctx.link(n.url) : undefined;
        const a = el('a', 'md-link');
        a.href = target ? target.href : n.url;
        if (target?.internal) a.dataset.internal = 'true';
        else {
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
        }
        a.title = n.url;
        a.append(renderNodes(n.children, ctx));
        frag.append(a);
        break;
      }
      case 'mention':
        frag.append(el('span', 'md-mention', n.text));
        break;
      default:
        break;
    }
  }
  return frag;
}

/** A Block Kit text object (mrkdwn or plain_text) as DOM. */
export function renderText(obj, ctx = {}, className = 'bk-text') {
  const box = el('div', className);
  if (!obj || typeof obj.text !== 'string') return box;
  if (obj.type === 'mrkdwn') box.append(renderNodes(parseMrkdwn(obj.text), ctx));
  else box.textContent = obj.text;
  return box;
}

const plain = (obj) => (obj && typeof obj.text === 'string' ? obj.text : '');

/** A button element; `ctx.onButton(blockId, element, domButton)` handles the click. */
function renderButton(element, blockId, ctx) {
  const b = el('button', `bk-button${element.style ? ` bk-button-${element.style}` : ''}`, plain(element.text));
  b.type = 'button';
  b.dataset.actionId = element.action_id ?? '';
  b.dataset.blockId = blockId ?? '';
  if (ctx.onButton) b.addEventListener('click', () => ctx.onButton(blockId, element, b));
  else {
    b.disabled = true;
    b.title = 'Buttons here cannot be clicked in the sandbox';
  }
  return b;
}

/** An interactive element the sandbox cannot drive (selects, date pickers…), shown inert. */
function renderInert(element) {
  const s = el('span', 'bk-inert', plain(element.placeholder) || element.type);
  s.title = `${element.type} is shown but not interactive in the sandbox`;
  return s;
}

/** A select menu in a message or modal; `ctx.onSelect(blockId, element, value)` handles a choice. */
function renderMenu(element, blockId, ctx) {
  const menu = el('select', 'bk-menu');
  menu.dataset.actionId = element.action_id ?? '';
  menu.dataset.blockId = blockId ?? '';
  menu.setAttribute('aria-label', plain(element.placeholder) || element.type);
  menu.append(optionOf('', plain(element.placeholder) || 'Choose…'));
  for (const [value, text] of SELECTS[element.type](element, ctx)) menu.append(optionOf(value, text));
  menu.value = initialChoice(element);
  if (ctx.onSelect) menu.addEventListener('change', () => ctx.onSelect(blockId, element, menu.value, menu));
  else menu.disabled = true;
  return menu;
}

function renderElement(element, blockId, ctx) {
  if (element?.type === 'button') return renderButton(element, blockId, ctx);
  if (SELECTS[element?.type]) return renderMenu(element, blockId, ctx);
  if (element?.type === 'image') return el('span', 'bk-image-alt', `[image: ${element.alt_text ?? ''}]`);
  if (element?.type === 'mrkdwn' || element?.type === 'plain_text') return renderText(element, ctx, 'bk-context-text');
  return renderInert(element ?? { type: 'unknown' });
}

const optionOf = (value, text) => {
  const o = el('option', '', text);
  o.value = value;
  return o;
};

/** The choices of each select menu the sandbox can drive, as [value, label] pairs. */
const SELECTS = {
  static_select: (e) => [...(e.options ?? []), ...(e.option_groups ?? []).flatMap((g) => g.options ?? [])].map((o) => [o.value, plain(o.text)]),
  users_select: (_e, ctx) => (ctx.people ?? []).map((p) => [p.id, p.realName]),
  conversations_select: (_e, ctx) => (ctx.channels ?? []).map((c) => [c.id, `#${c.name}`]),
  channels_select: (_e, ctx) => (ctx.channels ?? []).map((c) => [c.id, `#${c.name}`]),
};

function initialChoice(e) {
  return e.initial_option?.value ?? e.initial_user ?? e.initial_conversation ?? e.initial_channel ?? '';
}

/** One input block of a modal; `ctx.values[block_id]` and `ctx.errors[block_id]` fill it. */
function renderInput(block, ctx) {
  const box = el('div', 'bk-input');
  box.dataset.blockId = block.block_id ?? '';
  const id = `input-${block.block_id}`;
  const label = el('label', 'bk-input-label', plain(block.label));
  label.htmlFor = id;
  if (block.optional) label.append(el('span', 'bk-optional', ' (optional)'));
  box.append(label);
  const element = block.element ?? {};
  if (element.type === 'plain_text_input') {
    const field = element.multiline ? el('textarea', 'bk-field') : el('input', 'bk-field');
    if (!element.multiline) field.type = 'text';
    field.id = id;
    field.name = block.block_id;
    field.dataset.actionId = element.action_id ?? '';
    if (element.multiline) field.rows = 5;
    if (element.placeholder) field.placeholder = plain(element.placeholder);
    if (element.max_length) field.maxLength = element.max_length;
    const value = ctx.values?.[block.block_id];
    field.value = value !== undefined ? value : element.initial_value ?? '';
    field.dataset.required = block.optional ? 'false' : 'true';
    if (element.min_length) field.dataset.minLength = String(element.min_length);
    if (element.focus_on_load) field.autofocus = true;
    box.append(field);
    // The limit that matters is the network's, which the bot states in the hint ("X allows
    // 280 characters"); Slack's field itself takes up to max_length (3000).
    const stated = /\ballows ([\d,]+) characters\b/.exec(plain(block.hint))?.[1];
    const limit = stated ? Number(stated.replace(/,/g, '')) : element.max_length;
    if (limit) {
      const counter = el('div', 'bk-counter');
      const update = () => {
        // Characters as people count them (an emoji is one), near enough to the networks' own counts.
        const n = [...field.value].length;
        counter.textContent = `${n} / ${limit.toLocaleString('en-US')}`;
        counter.classList.toggle('bk-counter-over', n > limit);
      };
      field.addEventListener('input', update);
      update();
      box.append(counter);
    }
  } else if (SELECTS[element.type]) {
    const field = el('select', 'bk-field');
    field.id = id;
    field.name = block.block_id;
    field.dataset.actionId = element.action_id ?? '';
    field.dataset.required = block.optional ? 'false' : 'true';
    field.append(optionOf('', plain(element.placeholder) || 'Choose…'));
    for (const [value, text] of SELECTS[element.type](element, ctx)) field.append(optionOf(value, text));
    const value = ctx.values?.[block.block_id];
    field.value = value !== undefined ? value : initialChoice(element);
    box.append(field);
  } else {
    box.append(renderInert(element));
  }
  const error = ctx.errors?.[block.block_id];
  if (error) {
    box.classList.add('bk-has-error');
    box.append(el('div', 'bk-error', error));
  }
  if (block.hint) box.append(el('div', 'bk-hint', plain(block.hint)));
  return box;
}

/**
 * Rich text as Slack shows it: sections as lines, quotes with their bar, a run's own style
 * (bold, italic, strike, code). A run's text is never parsed: `*this*` stays `*this*`.
 */
function renderRichText(block, ctx = {}) {
  const box = el('div', 'bk-text bk-rich');
  const runs = (items, into) => {
    for (const item of items ?? []) {
      if (item.type === 'text') into.append(styled(item));
      else if (item.type === 'link') {
        const target = ctx.link ? ctx.link(item.url) : undefined;
        const a = el('a', 'md-link', item.text || item.url);
        a.href = target ? target.href : item.url;
        if (!target?.internal) {
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
        }
        into.append(a);
      } else if (item.type === 'user') into.append(el('span', 'md-mention', `@${item.user_id}`));
      else if (item.type === 'emoji') into.append(document.createTextNode(`:${item.name}:`));
      else if (item.elements) runs(item.elements, into);
    }
  };
  for (const part of block.elements ?? []) {
    if (part.type === 'rich_text_quote') {
      const q = el('blockquote', 'md-quote');
      runs(part.elements, q);
      box.append(q);
    } else if (part.type === 'rich_text_preformatted') {
      const pre = el('pre', 'md-pre');
      runs(part.elements, pre);
      box.append(pre);
    } else {
      const line = el('div', 'bk-rich-section');
      runs(part.type === 'rich_text_section' ? part.elements : [part], line);
      box.append(line);
    }
  }
  return box;
}

/** One rich text run with its style, as text (never markup). */
function styled(item) {
  let node = document.createTextNode(item.text ?? '');
  const style = item.style ?? {};
  for (const [key, tag, className] of [['code', 'code', 'md-code'], ['strike', 's', ''], ['italic', 'em', ''], ['bold', 'strong', '']]) {
    if (!style[key]) continue;
    const wrap = el(tag, className);
    wrap.append(node);
    node = wrap;
  }
  return node;
}

/** Renders one block. Unknown types show as a labelled placeholder, never silently vanish. */
export function renderBlock(block, ctx = {}) {
  switch (block?.type) {
    case 'header':
      return el('div', 'bk-header', plain(block.text));
    case 'section': {
      const box = el('div', 'bk-section');
      const body = el('div', 'bk-section-body');
      if (block.text) body.append(renderText(block.text, ctx));
      if (Array.isArray(block.fields) && block.fields.length > 0) {
        const grid = el('div', 'bk-fields');
        for (const f of block.fields) grid.append(renderText(f, ctx, 'bk-field-text'));
        body.append(grid);
      }
      box.append(body);
      if (block.accessory) {
        const acc = el('div', 'bk-accessory');
        acc.append(renderElement(block.accessory, block.block_id, ctx));
        box.append(acc);
      }
      return box;
    }
    case 'context': {
      const box = el('div', 'bk-context');
      for (const e of block.elements ?? []) box.append(renderElement(e, block.block_id, ctx));
      return box;
    }
    case 'actions': {
      const box = el('div', 'bk-actions');
      for (const e of block.elements ?? []) box.append(renderElement(e, block.block_id, ctx));
      return box;
    }
    case 'divider':
      return el('hr', 'bk-divider');
    case 'image':
      return el('div', 'bk-image-alt', `[image: ${block.alt_text ?? ''}]`);
    case 'input':
      return renderInput(block, ctx);
    case 'rich_text':
      return renderRichText(block, ctx);
    default:
      return el('div', 'bk-unsupported', `[${block?.type ?? 'unknown'} block: not shown in the sandbox]`);
  }
}

/** Renders a list of blocks into one container. */
export function renderBlocks(blocks, ctx = {}) {
  const box = el('div', 'bk-blocks');
  for (const b of blocks ?? []) box.append(renderBlock(b, ctx));
  return box;
}
