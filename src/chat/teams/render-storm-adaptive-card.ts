import type { StormActionId } from '../../domain/storm.js';
import type { StormCard } from '../../cards/card.js';
import { clip, compactNumber, TEXT_MAX } from '../safe-text.js';
import { escapeTeamsMarkdown } from './escape-teams-markdown.js';
import {
  ADAPTIVE_CARD_SCHEMA, cardButton, inline, link, plainText, textBlock, type AdaptiveCard, type AdaptiveElement,
} from './render-adaptive-card.js';

// Teams refuses messages over about 28 KB. A storm card shows at most 3 sample posts, 5
// authors, 10 facts, 6 links and the chosen template, each clipped; when strangers' names
// and posts are at their longest (and escaping doubles them), the card is drawn again with
// less of them until it fits this budget, which leaves room for the rest of the message.
const CARD_BUDGET_BYTES = 24 * 1024;
/** How much each try shows, fullest first; the last one always fits. */
const FITS = [
  { samples: 3, sampleText: TEXT_MAX.stormSample, authors: 5, replyText: 2000, facts: 10, links: 6 },
  { samples: 3, sampleText: 280, authors: 5, replyText: 1000, facts: 10, links: 6 },
  { samples: 1, sampleText: 280, authors: 3, replyText: 500, facts: 8, links: 3 },
  { samples: 0, sampleText: 0, authors: 0, replyText: 280, facts: 6, links: 2 },
] as const;
type Fit = (typeof FITS)[number];
/** A link Earshot built, unless its URL alone would take a good part of the card. */
const LINK_URL_MAX = 1000;

/** The storm actions that open a Teams dialog instead of acting at once: choosing the template. */
export const STORM_DIALOG_ACTIONS: ReadonlySet<StormActionId> = new Set(['storm.draft']);

/** What a storm card's button carries back: the storm and the version the clicker saw. */
export interface StormActionData {
  stormId: string;
  version: number;
}

function action(card: StormCard, a: StormCard['actions'][number]): AdaptiveElement {
  const data: StormActionData = { stormId: card.stormId, version: card.version };
  return cardButton({ id: a.id, label: a.label, style: a.style, dialog: STORM_DIALOG_ACTIONS.has(a.id), data: { ...data } });
}

/**
 * Renders a storm card as an Adaptive Card 1.5 for Teams. Pure. Like the case card, every
 * string from a mention is either escaped (names and handles inside formatted lines) or put
 * in a TextRun (the sample posts), and the card carries no mention entities, so a post
 * crafted to ping the channel or fake a link shows as text. Buttons are Universal Actions
 * whose verb is the storm action id (the Slack `action_id`) and whose data carries the
 * storm id and the version the clicker saw; choosing the template opens a dialog.
 */
export function renderStormAdaptiveCard(card: StormCard): AdaptiveCard {
  let out = render(card, FITS[0]);
  for (const fit of FITS.slice(1)) {
    if (new TextEncoder().encode(JSON.stringify(out)).length <= CARD_BUDGET_BYTES) break;
    out = render(card, fit);
  }
  return out;
}

function render(card: StormCard, fit: Fit): AdaptiveCard {
  const body: AdaptiveElement[] = [
    textBlock(inline(card.title), { weight: 'Bolder', size: 'Medium', style: 'heading' }),
    textBlock(`**${inline(card.status.label)}**`, { spacing: 'Small', ...(card.status.code === 'live' ? { color: 'Attention' } : { isSubtle: true }) }),
    { type: 'FactSet', facts: card.facts.slice(0, fit.facts).map((f) => ({ title: inline(f.label), value: inline(f.value) })) },
  ];
  if (card.topAuthors.length > 0 && fit.authors > 0) {
    body.push(textBlock('**Widest reach**', { spacing: 'Medium' }));
    body.push({
      type: 'FactSet',
      spacing: 'Small',
      facts: card.topAuthors.slice(0, fit.authors).map((a) => ({
        title: inline(a.name || a.handle),
        value: `${inline(`@${a.handle}`)} · ${compactNumber(a.followers)} followers${a.verified ? ' · verified' : ''}`,
      })),
    });
  }
  for (const s of card.samples.slice(0, fit.samples)) {
    body.push({
      type: 'Container',
      separator: true,
      items: [
        textBlock(`**${inline(s.author || s.handle)}** ${inline(`@${s.handle}`)} · ${compactNumber(s.followers)} followers`, { size: 'Small' }),
        s.text.trim() ? plainText(s.text, { spacing: 'Small' }, fit.sampleText) : textBlock('_(no text)_', { isSubtle: true, spacing: 'Small' }),
      ],
    });
  }
  if (card.reply) {
    const r = card.reply;
    const approvals = r.needed > 0 ? ` · approvals ${r.approvals.length}/${r.needed}${r.approvals.length ? ` (${r.approvals.slice(0, 5).map(inline).join(', ')})` : ''}` : '';
    body.push({
      type: 'Container',
      style: 'emphasis',
      items: [
        textBlock(`**Reply to all** (${inline(r.state)}) by ${inline(r.by)} · template _${inline(r.template)}_${approvals}`),
        plainText(r.text, {}, fit.replyText),
      ],
    });
  }
  if (card.links.length > 0 && fit.links > 0) {
    body.push(textBlock(card.links.slice(0, fit.links).map((l) => (l.url.length <= LINK_URL_MAX ? link(l.url, l.label) : inline(l.label))).join(' · '), { size: 'Small' }));
  }

  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: '1.5',
    body,
    ...(card.actions.length > 0 ? { actions: card.actions.map((a) => action(card, a)) } : {}),
    fallbackText: escapeTeamsMarkdown(clip(card.summary, TEXT_MAX.summary)),
    msteams: { width: 'Full' },
  };
}
