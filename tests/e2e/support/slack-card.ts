import type { SlackMessage } from '../../fakes/fake-slack.js';

/** All mrkdwn, plain and rich text of a message's blocks, joined: what a person reads on the card. */
export function cardText(m: SlackMessage | undefined): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text' || o.type === 'text') && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(m?.blocks);
  return out.join('\n');
}

/** The buttons of a card's actions block. */
export function buttons(m: SlackMessage | undefined): Array<{ action_id: string; value: string }> {
  const actions = (m?.blocks as Array<Record<string, any>> | undefined)?.find((b) => b.type === 'actions');
  return actions?.elements ?? [];
}

/** Every `text` of the objects of one `type` (mrkdwn, plain_text, text runs…) anywhere under `v`. */
export function textsOfType(v: unknown, type: string): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (o.type === type && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(v);
  return out;
}

/**
 * The text of a message's blocks that Slack parses as mrkdwn (where `<!channel>` would ping);
 * rich text and plain text are never parsed.
 */
export function mrkdwnText(m: SlackMessage | undefined): string {
  return [m?.text ?? '', ...textsOfType(m?.blocks, 'mrkdwn')].join('\n');
}
