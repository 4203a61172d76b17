import type { Template } from '../config/schema.js';
import type { Case } from '../domain/case.js';

/**
 * Templates that fit a case, best first: a mention with personal data gets the
 * private-channel templates; otherwise templates for its group and intent come before
 * general ones. Pure.
 */
export function rankTemplates(c: Case, templates: readonly Template[]): Template[] {
  const wantPrivate = c.screening.pii.length > 0;
  const score = (t: Template): number => {
    if (t.groups && !t.groups.includes(c.group)) return -1;
    let s = 0;
    if (t.private === wantPrivate) s += 4;
    else if (wantPrivate) return -1;
    if (t.groups?.includes(c.group)) s += 2;
    if (c.screening.intent && t.intents?.includes(c.screening.intent)) s += 1;
    return s;
  };
  return templates
    .map((t, i) => ({ t, s: score(t), i }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.t);
}

/** Fills `{{author.name}}`, `{{author.handle}}`, `{{case.id}}`; unknown variables stay as written. */
export function renderTemplate(text: string, c: Case): string {
  const vars: Record<string, string> = {
    'author.name': c.mention.author.name || c.mention.author.handle,
    'author.handle': `@${c.mention.author.handle}`,
    'case.id': c.id,
    'network': c.mention.network,
  };
  return text.replace(/\{\{\s*([a-z.]+)\s*\}\}/g, (all, name: string) => vars[name] ?? all);
}
