import type { Template } from '../config/schema.js';
import type { Actor } from '../domain/actor.js';
import type { Case } from '../domain/case.js';

/**
 * Templates that fit a case, best first: a mention with personal data gets the
 * private-channel templates first; templates for the case's group, topic and intent,
 * and those whose keywords appear in the mention, come before general ones.
 * Templates bound to other groups are left out. Pure.
 */
export function rankTemplates(c: Case, templates: readonly Template[]): Template[] {
  const wantPrivate = c.screening.pii.length > 0;
  const text = c.mention.text.toLocaleLowerCase();
  const score = (t: Template): number => {
    if (t.groups && !t.groups.includes(c.group)) return -1;
    let s = 0;
    if (t.private === wantPrivate) s += 16;
    else if (wantPrivate) return -1;
    if (t.groups?.includes(c.group)) s += 8;
    if (c.screening.topic && t.topics?.includes(c.screening.topic)) s += 4;
    if (c.screening.intent && t.intents?.includes(c.screening.intent)) s += 2;
    if (t.keywords?.some((k) => text.includes(k.toLocaleLowerCase()))) s += 1;
    return s;
  };
  return templates
    .map((t, i) => ({ t, s: score(t), i }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.t);
}

/** Does a template carry the secure hand-off link? */
export const isHandoffTemplate = (t: Pick<Template, 'text'>): boolean => /\{\{\s*(case\.token|handoff\.url)\s*\}\}/.test(t.text);

/** Private-channel templates that fit a case, best first (for Redirect). */
export function privateTemplates(c: Case, templates: readonly Template[]): Template[] {
  return rankTemplates(c, templates.filter((t) => t.private));
}

export interface TemplateVars {
  /** Named links from the config (`links:`), used as `{{links.<name>}}`. */
  links?: Readonly<Record<string, string>> | undefined;
  /** The person drafting, as `{{agent.name}}`. */
  agent?: Actor | undefined;
  /** The case's signed hand-off token, as `{{case.token}}` (made by the caller: signing is not pure). */
  caseToken?: string | undefined;
  /** The hand-off link (privateChannel.handoff.url) with its `{{case.token}}` filled, as `{{handoff.url}}`. */
  handoffUrl?: string | undefined;
}

/**
 * Fills `{{author.name}}`, `{{author.handle}}`, `{{case.id}}`, `{{network}}`,
 * `{{agent.name}}`, `{{links.<name>}}`, and `{{case.token}}` and `{{handoff.url}}` when given; unknown variables stay as written, so a
 * typo shows in the draft rather than vanishing.
 */
export function renderTemplate(text: string, c: Case, extra: TemplateVars = {}): string {
  const vars: Record<string, string> = {
    'author.name': c.mention.author.name || c.mention.author.handle,
    'author.handle': `@${c.mention.author.handle}`,
    'case.id': c.id,
    'network': c.mention.network,
  };
  if (extra.agent) vars['agent.name'] = extra.agent.name ?? extra.agent.id;
  if (extra.caseToken) vars['case.token'] = extra.caseToken;
  if (extra.handoffUrl) vars['handoff.url'] = extra.handoffUrl;
  for (const [name, url] of Object.entries(extra.links ?? {})) vars[`links.${name}`] = url;
  return text.replace(/\{\{\s*([a-z_-]+(?:\.[a-z0-9_-]+)?)\s*\}\}/g, (all, name: string) => vars[name] ?? all);
}
