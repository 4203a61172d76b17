/**
 * Slack mrkdwn → a small tree of nodes, never HTML. The page turns the tree into DOM nodes
 * with textContent, so nothing a stranger wrote can become markup.
 *
 * The input is what Slack stores: `&`, `<` and `>` written by people arrive as `&amp;`,
 * `&lt;` and `&gt;`, so a raw `<…>` can only be one of Slack's own control sequences
 * (`<https://…|label>`, `<@U123>`, `<#C123|name>`, `<!here>`). Only those become links or
 * mentions; a URL typed in the text stays text. Supported: *bold*, _italic_, ~strike~,
 * `code`, ```preformatted```, `>` quotes and line breaks
 * (docs.slack.dev/messaging/formatting-message-text).
 *
 * Node shapes: {type:'text', text}, {type:'br'}, {type:'bold'|'italic'|'strike', children},
 * {type:'code', text}, {type:'pre', text}, {type:'quote', children},
 * {type:'link', url, children}, {type:'mention', text}.
 */

const ENTITIES = { '&lt;': '<', '&gt;': '>', '&amp;': '&' };
const MARKERS = { '*': 'bold', _: 'italic', '~': 'strike' };
const WORD = /[\p{L}\p{N}]/u;
const SAFE_SCHEMES = /^(https?:|mailto:)/i;

/** Decodes the three entities Slack uses, and only those, in one pass. */
export function decodeEntities(s) {
  return s.replace(/&(?:lt|gt|amp);/g, (e) => ENTITIES[e]);
}

/** A Slack control sequence (the text between `<` and `>`) as a node. */
function control(inner) {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? '' : decodeEntities(inner.slice(bar + 1));
  if (/^@[UW][A-Z0-9]+$/.test(target)) return { type: 'mention', text: `@${label || target.slice(1)}` };
  if (/^#[CG][A-Z0-9]+$/.test(target)) return { type: 'mention', text: `#${label || target.slice(1)}` };
  if (target.startsWith('!')) {
    const special = /^!(here|channel|everyone)$/.exec(target);
    return { type: 'mention', text: special ? `@${special[1]}` : label || target.slice(1) };
  }
  const url = decodeEntities(target);
  if (!SAFE_SCHEMES.test(url)) return { type: 'text', text: label || url };
  return { type: 'link', url, children: [{ type: 'text', text: label || url }] };
}

const opensAt = (s, i) => {
  const before = s[i - 1];
  const after = s[i + 1];
  return (before === undefined || !WORD.test(before)) && after !== undefined && !/\s/.test(after) && after !== s[i];
};

const closeOf = (s, i) => {
  const mark = s[i];
  for (let k = i + 2; k < s.length; k++) {
    if (s[k] === '<') {
      const end = s.indexOf('>', k);
      if (end > k) k = end;
      continue;
    }
    if (s[k] !== mark) continue;
    const after = s[k + 1];
    if (!/\s/.test(s[k - 1]) && (after === undefined || !WORD.test(after))) return k;
  }
  return -1;
};

/** Inline formatting within one line. */
export function parseInline(s) {
  const out = [];
  let buf = '';
  const flush = () => {
    if (buf) out.push({ type: 'text', text: decodeEntities(buf) });
    buf = '';
  };
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c === '<') {
      const end = s.indexOf('>', i + 1);
      if (end > i + 1) {
        flush();
        out.push(control(s.slice(i + 1, end)));
        i = end + 1;
        continue;
      }
    }
    if (c === '`') {
      const end = s.indexOf('`', i + 1);
      if (end > i + 1) {
        flush();
        out.push({ type: 'code', text: decodeEntities(s.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (MARKERS[c] && opensAt(s, i)) {
      const end = closeOf(s, i);
      if (end > 0) {
        flush();
        out.push({ type: MARKERS[c], children: parseInline(s.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    buf += c;
    i += 1;
  }
  flush();
  return out;
}

const QUOTE = /^(?:>|&gt;) ?/;

/** Lines with quotes: consecutive `>` lines make one quote block. */
function parseLines(text) {
  const out = [];
  const lines = text.split('\n');
  let quote = null;
  let afterBlock = true;
  for (const line of lines) {
    const q = QUOTE.exec(line);
    if (q) {
      if (!quote) {
        quote = { type: 'quote', children: [] };
        out.push(quote);
      } else {
        quote.children.push({ type: 'br' });
      }
      quote.children.push(...parseInline(line.slice(q[0].length)));
      afterBlock = true;
      continue;
    }
    quote = null;
    if (!afterBlock) out.push({ type: 'br' });
    out.push(...parseInline(line));
    afterBlock = false;
  }
  return out;
}

/** Parses a mrkdwn string into nodes. */
export function parseMrkdwn(text) {
  const src = String(text ?? '');
  const parts = src.split('```');
  // An unclosed ``` is literal text.
  if (parts.length % 2 === 0) parts[parts.length - 2] += '```' + parts.pop();
  const out = [];
  parts.forEach((part, i) => {
    if (i % 2 === 1) out.push({ type: 'pre', text: decodeEntities(part.replace(/^\n/, '').replace(/\n$/, '')) });
    else {
      // Line breaks next to a ``` block belong to the block.
      let body = i > 0 ? part.replace(/^\n/, '') : part;
      if (i < parts.length - 1) body = body.replace(/\n$/, '');
      if (body !== '') out.push(...parseLines(body));
    }
  });
  return out;
}

/** The text a node tree shows, without formatting (for tests and titles). */
export function plainText(nodes) {
  return nodes
    .map((n) => (n.type === 'br' ? '\n' : n.children ? plainText(n.children) : n.text))
    .join('');
}
