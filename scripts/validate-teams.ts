/**
 * Checks what Earshot gives Teams against Microsoft's published schemas:
 * - the app manifest (manifests/teams/manifest.json, or the one inside a package built by
 *   `npm run teams:package`) against the Teams manifest schema v1.17, and its icons'
 *   sizes;
 * - every Adaptive Card Earshot renders (a case card in every state, with and without a
 *   draft, the draft and reject dialogs, storm cards and their reply dialog, notes and
 *   command answers) against Adaptive Cards 1.5.
 *
 *   npx tsx scripts/validate-teams.ts [--zip build/earshot-teams.zip] [--schemas <dir>]
 *
 * The schemas are not part of Earshot; they are read from `../shared/schemas` next to the
 * repository (or --schemas / $EARSHOT_SCHEMAS_DIR), and the script fails saying so when
 * they are missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ajvModule from 'ajv';
import ajv04Module from 'ajv-draft-04';
import ajvFormatsModule from 'ajv-formats';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { CaseChoice, CaseForm } from '../src/app/case-interactions.js';
import { buildStormCard } from '../src/cards/build-storm-card.js';
import { buildCard } from '../src/cards/build-card.js';
import { renderAdaptiveCard, type AdaptiveCard } from '../src/chat/teams/render-adaptive-card.js';
import { renderTeamsChoice } from '../src/chat/teams/render-teams-choice.js';
import { renderTeamsDialog } from '../src/chat/teams/render-teams-dialog.js';
import { renderTeamsMessage } from '../src/chat/teams/render-teams-message.js';
import { renderTeamsQueue, renderTeamsWelcome } from '../src/chat/teams/render-teams-queue.js';
import { renderStormAdaptiveCard } from '../src/chat/teams/render-storm-adaptive-card.js';
import { renderTeamsStormDialog } from '../src/chat/teams/render-teams-storm-dialog.js';
import type { Storm } from '../src/domain/storm.js';
import { CASE_STATUSES, CaseSchema, type Case } from '../src/domain/case.js';
import { fillTeamsManifest, readTeamsManifestTemplate, SAMPLE_MANIFEST_VALUES } from './fill-teams-manifest.js';
import { readZip } from './read-zip.js';
import { repoRoot, runsAsScript } from './repo-root.js';
import { maskPersonalData, NO_PUBLIC_NUMBERS } from '../src/screening/mask-personal-data.js';

// These packages are CommonJS with `exports.default`; under NodeNext the default import is the whole module.
const Ajv06 = ajvModule.default;
const Ajv04 = ajv04Module.default;
const addFormats = ajvFormatsModule.default;

export class SchemasMissingError extends Error {
  readonly code = 'SCHEMAS_MISSING';
  constructor(dir: string, missing: string[]) {
    super(`The vendor schemas are missing: ${missing.join(', ')} not found in ${dir}. Put Microsoft's Teams manifest v1.17 and Adaptive Card 1.5 schemas there, or name another folder with --schemas or EARSHOT_SCHEMAS_DIR.`);
    this.name = 'SchemasMissingError';
  }
}

const MANIFEST_SCHEMA = 'teams-manifest-v1.17.schema.json';
const CARD_SCHEMA = 'adaptive-card-1.5.schema.json';

/** Where the schemas are: an explicit folder, $EARSHOT_SCHEMAS_DIR, or ../shared/schemas beside the repository. */
export const schemasDir = (explicit?: string): string => resolve(explicit ?? process.env.EARSHOT_SCHEMAS_DIR ?? join(repoRoot(), '..', 'shared', 'schemas'));

export interface TeamsValidators {
  /** Problems with a Teams manifest, empty when it is valid. */
  manifest(manifest: unknown): string[];
  /** Problems with an Adaptive Card, empty when it is valid (Teams-only `msteams` ignored). */
  card(card: unknown): string[];
}

const describe = (errors: ErrorObject[] | null | undefined): string[] =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);

/** Compiles both schemas; throws {@link SchemasMissingError} when they are not there. */
export function loadTeamsValidators(dir = schemasDir()): TeamsValidators {
  const missing = [MANIFEST_SCHEMA, CARD_SCHEMA].filter((f) => !existsSync(join(dir, f)));
  if (missing.length) throw new SchemasMissingError(dir, missing);
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;

  // The manifest schema is draft-04; strict mode off because it uses keywords from later drafts and annotations.
  const ajv04 = new Ajv04({ allErrors: true, strict: false });
  addFormats(ajv04);
  const manifest: ValidateFunction = ajv04.compile(read(MANIFEST_SCHEMA));

  // The Adaptive Card schema says draft-06 and carries vendor annotations (version, features…).
  const ajv06 = new Ajv06({ allErrors: true, strict: false });
  ajv06.addMetaSchema(draft06);
  addFormats(ajv06);
  // It names itself with draft-04's `id`, which Ajv refuses next to draft-06: use `$id`.
  const { id: cardSchemaId, ...cardSchema } = read(CARD_SCHEMA);
  const card: ValidateFunction = ajv06.compile({ ...cardSchema, $id: String(cardSchemaId) });

  return {
    manifest: (m) => (manifest(m) ? [] : describe(manifest.errors)),
    card: (c) => {
      // `msteams` is Teams' extension and outside the Adaptive Card schema: strip it first.
      const { msteams: _teamsOnly, ...rest } = c as Record<string, unknown>;
      return card(rest) ? [] : describe(card.errors);
    },
  };
}

/** Width and height from a PNG's IHDR chunk, or undefined when it is not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } | undefined {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Problems with the icons a manifest names (192×192 colour, 32×32 outline). */
export function checkIcons(manifest: Record<string, unknown>, read: (name: string) => Buffer | undefined): string[] {
  const icons = (manifest.icons ?? {}) as { color?: string; outline?: string };
  const problems: string[] = [];
  for (const [kind, size] of [['color', 192], ['outline', 32]] as const) {
    const name = icons[kind];
    const png = name ? read(name) : undefined;
    const dims = png && pngSize(png);
    if (!name || !png) problems.push(`icons.${kind}: ${name ?? '(not named)'} is missing`);
    else if (!dims) problems.push(`icons.${kind}: ${name} is not a PNG`);
    else if (dims.width !== size || dims.height !== size) problems.push(`icons.${kind}: ${name} is ${dims.width}×${dims.height}, must be ${size}×${size}`);
  }
  return problems;
}

const NOW = '2026-01-05T10:00:00.000Z';
const person = (id: string, name: string) => ({ platform: 'teams' as const, id, name });

/** A case in the given state with everything the card can show (draft, approvals, rejection, reply, personal data). */
function sampleCase(status: Case['status'], i: number): Case {
  const agent = person('00000000-0000-0000-0000-0000000000a1', 'Alice [Agent](https://evil.example)');
  const hasDraft = ['drafted', 'rejected', 'approved', 'sending', 'sent'].includes(status);
  return CaseSchema.parse({
    id: String(100 + i), version: i + 1, status, group: 'care',
    mention: {
      network: 'x', source: 'x', id: String(9000 + i), createdAt: NOW, url: `https://x.com/i/web/status/${9000 + i}`,
      text: '@acme **my card 4111 1111 1111 1111** was charged twice <at>Everyone</at> [click](https://evil.example)',
      author: { id: 'a1', handle: 'cust_omer', name: 'Cust *Omer*', followers: 12_345, verified: i % 2 === 0 }, isRepost: false, isQuote: false,
    },
    screening: {
      group: 'care', tags: ['billing'], priority: 'high', drop: false, sentiment: 'negative', intent: 'complaint',
      pii: [{ kind: 'card_number', start: 20, end: 39 }], rulesFired: [{ rule: 'billing', why: "keyword 'charged'" }], secondApprover: i % 3 === 0,
    },
    owner: status === 'new' ? undefined : agent,
    draft: hasDraft ? { text: 'Sorry! Please DM us _now_.', by: agent, at: NOW, templateId: 'dm' } : undefined,
    approvals: status === 'approved' || status === 'sent' ? [person('00000000-0000-0000-0000-0000000000b1', 'Bob Lead')] : [],
    rejection: status === 'rejected' ? { by: person('00000000-0000-0000-0000-0000000000b1', 'Bob Lead'), note: 'Warmer, please.', at: NOW } : undefined,
    reply: status === 'sent' ? { id: '777', url: 'https://x.com/i/web/status/777', at: NOW, text: 'Sorry! Please DM us.' } : undefined,
    createdAt: NOW, updatedAt: NOW, views: [], audit: [], duplicates: i % 2,
  });
}

/** Every kind of card Earshot sends to Teams, with a name for messages. */
export function sampleTeamsCards(): Array<{ name: string; card: AdaptiveCard }> {
  const out: Array<{ name: string; card: AdaptiveCard }> = [];
  CASE_STATUSES.forEach((status, i) => {
    const c = sampleCase(status, i);
    for (const approvalsNeeded of [0, 1, 2]) {
      const card = buildCard(c, { approvalsNeeded, templateName: () => 'DM us' });
      out.push({ name: `case card, ${status}, ${approvalsNeeded} approvals needed`, card: renderAdaptiveCard(card) });
    }
  });
  const form: CaseForm = {
    action: 'case.draft', caseId: '100', version: 3, title: 'Case 100', author: '@cust_omer', mentionText: maskPersonalData('my bag *never* arrived', NO_PUBLIC_NUMBERS),
    initial: 'Hi {{author.name}}', templateId: 'bags', limitHint: 'X counts 280 characters.',
  };
  out.push({ name: 'draft dialog', card: renderTeamsDialog(form).task.value.card.content });
  out.push({ name: 'draft dialog with a problem', card: renderTeamsDialog(form, { text: 'too long', problem: 'The reply is too long.' }).task.value.card.content });
  out.push({ name: 'reject dialog', card: renderTeamsDialog({ ...form, action: 'case.reject', draft: 'Sorry!', initial: '' }).task.value.card.content });
  const snooze: CaseChoice = { action: 'case.snooze', caseId: '100', version: 3, title: 'Case 100', label: 'Snooze until', options: [{ value: '2026-01-05T11:00:00.000Z', label: 'For 1 hour' }], submit: 'Snooze' };
  out.push({ name: 'snooze dialog', card: renderTeamsChoice(snooze).task.value.card.content });
  out.push({ name: 'ignore dialog with a problem', card: renderTeamsChoice({ ...snooze, action: 'case.ignore', label: 'Why?', freeText: { label: 'Or in your words', required: false }, submit: 'Ignore' }, { answer: { text: 'spam' }, problem: 'Say why.' }).task.value.card.content });
  out.push({ name: 'reassign dialog with nobody to offer', card: renderTeamsChoice({ ...snooze, action: 'case.reassign', label: 'Hand the case to', options: [], anyPerson: true, submit: 'Assign' }).task.value.card.content });
  out.push(...sampleStormCards());
  out.push({ name: 'thread note', card: renderTeamsMessage({ lines: ['Bob Lead sent the draft back · 2026-01-05 10:00 UTC', '“Warmer, please.”'] }) });
  out.push({ name: 'command answer', card: renderTeamsMessage({ title: 'Earshot commands', lines: ['help — What Earshot can do here', 'metrics [period] — numbers'] }) });
  const layout = {
    title: 'Earshot metrics: today (2026-01-05)',
    facts: [{ label: 'New cases', value: '42 (up 20% on yesterday by this time)' }, { label: 'Answered', value: '30' }, { label: 'Median first response', value: '14 min' }, { label: 'SLA met', value: '93% (28 of 30)' }, { label: 'Open now', value: '12 · oldest 3h 10m' }],
    notes: ['15 new cases about #refund, usually none.'],
    breakdowns: [{ label: 'By group', text: 'care 30 · billing 12' }, { label: 'Agents', text: 'Ana Lima: 12 sent, 14 handled' }],
    more: 'Add "details" for response-time spread, sentiment, intents, approvals, reach and trends.',
  };
  out.push({ name: 'metrics answer', card: renderTeamsMessage({ lines: [], summary: { layout, footer: ['No data to chart for this period: First-response time.'] } }) });
  // The personal chat: the queue (every list, a notice, the figures, refreshed for its owner), an empty one, the welcome.
  const [mine, drafted, open] = (['claimed', 'drafted', 'new'] as const).map((s, i) => buildCard(sampleCase(s, i), { approvalsNeeded: 1, templateName: () => 'DM us' }));
  const queue = { mine: [mine!], approvals: [drafted!], atRisk: [{ card: open!, due: 'First response due in 12 min' }], counts: { mine: 11, approvals: 1, atRisk: 1 }, figures: { layout, footer: ['Figures for the team.'] } };
  out.push({ name: 'my queue', card: renderTeamsQueue(queue, 'all', NOW, { notice: { text: 'Done: Bob Lead approved the draft.', refused: false }, userId: '29:bob' }) });
  out.push({ name: 'approvals, none waiting, after a refusal', card: renderTeamsQueue({ mine: [], approvals: [], atRisk: [], counts: { mine: 0, approvals: 0, atRisk: 0 } }, 'approvals', NOW, { notice: { text: 'That card was out of date.', refused: true } }) });
  out.push({ name: 'personal chat welcome', card: renderTeamsWelcome() });
  return out;
}

/** A storm card in each state of its reply (none, drafted, approved, sending, closed), and its reply dialog. */
function sampleStormCards(): Array<{ name: string; card: AdaptiveCard }> {
  const lead = person('00000000-0000-0000-0000-0000000000b1', 'Bob Lead');
  const agent = person('00000000-0000-0000-0000-0000000000a1', 'Alice [Agent](https://evil.example)');
  const base: Storm = { id: 's7', version: 5, group: 'care', topic: 'baggage', status: 'live', startedAt: NOW, updatedAt: NOW, views: [] };
  const reply = (status: 'drafted' | 'approved' | 'sending') => ({ templateId: 'sorry', by: agent, at: NOW, approvals: status === 'drafted' ? [] : [lead], status, through: 0 });
  const figures = {
    count: 1234, sentiment: { negative: 900, neutral: 300, positive: 34 }, foldedHighPriority: 2, replied: 10, queued: 40, skipped: 1, lastAt: NOW,
    topAuthors: [{ name: 'Cust *Omer*', handle: 'cust_omer', followers: 120_000, verified: true }, { name: '<at>Everyone</at>', handle: 'x', followers: 12, verified: false }],
    samples: [{ author: 'Cust *Omer*', handle: 'cust_omer', followers: 120_000, text: 'my bag **never** arrived [click](https://evil.example)' }, { author: '', handle: 'quiet', followers: 3, text: '' }],
  };
  const opts = { groupName: 'Care', approvalsNeeded: 1, canReply: true, template: { name: 'Sorry', text: 'Hi {{author.name}}, sorry about your bag.' }, links: [{ label: 'Search on X', url: 'https://x.com/search?q=%40acme' }] };
  const states: Array<[string, Storm]> = [
    ['live, no reply', base],
    ['reply drafted', { ...base, reply: reply('drafted') }],
    ['reply approved', { ...base, reply: reply('approved') }],
    ['reply sending', { ...base, reply: reply('sending') }],
    ['calm', { ...base, status: 'calm' }],
    ['closed', { ...base, status: 'closed', endedAt: NOW }],
  ];
  const out = states.map(([name, storm]) => ({ name: `storm card, ${name}`, card: renderStormAdaptiveCard(buildStormCard(storm, figures, opts)) }));
  const dialog = { stormId: 's7', version: 5, topic: 'baggage', templates: [{ id: 'sorry', name: 'Sorry', text: 'Hi {{author.name}}, sorry about your bag.' }] };
  out.push({ name: 'storm reply dialog', card: renderTeamsStormDialog(dialog).task.value.card.content });
  out.push({ name: 'storm reply dialog with a problem', card: renderTeamsStormDialog(dialog, { templateId: 'sorry', problem: 'Pick one of the offered templates.' }).task.value.card.content });
  return out;
}

/** Everything the script checks; returns the problems, empty when all is well. */
export function validateTeams(opts: { schemas?: string; zip?: string } = {}): string[] {
  const v = loadTeamsValidators(schemasDir(opts.schemas));
  const problems: string[] = [];
  let manifest: Record<string, unknown>;
  let read: (name: string) => Buffer | undefined;
  if (opts.zip) {
    const files = readZip(readFileSync(opts.zip));
    const raw = files.get('manifest.json');
    if (!raw) return [`${opts.zip}: no manifest.json at the top of the package`];
    manifest = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    read = (name) => files.get(name);
    const extra = [...files.keys()].filter((f) => !['manifest.json', 'color.png', 'outline.png'].includes(f));
    if (extra.length) problems.push(`${opts.zip}: unexpected files ${extra.join(', ')}`);
  } else {
    manifest = fillTeamsManifest(readTeamsManifestTemplate(), SAMPLE_MANIFEST_VALUES);
    const dir = join(repoRoot(), 'manifests', 'teams');
    read = (name) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name)) : undefined);
  }
  const where = opts.zip ?? 'manifests/teams/manifest.json';
  problems.push(...v.manifest(manifest).map((p) => `${where}: ${p}`));
  problems.push(...checkIcons(manifest, read).map((p) => `${where}: ${p}`));
  for (const { name, card } of sampleTeamsCards()) problems.push(...v.card(card).map((p) => `${name}: ${p}`));
  return problems;
}

if (runsAsScript(import.meta.url)) {
  const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
  try {
    const zip = arg('--zip');
    const problems = validateTeams({ ...(zip ? { zip: resolve(zip) } : {}), ...(arg('--schemas') ? { schemas: arg('--schemas')! } : {}) });
    if (problems.length) {
      process.stderr.write(`Teams validation failed:\n  - ${problems.join('\n  - ')}\n`);
      process.exit(1);
    }
    process.stdout.write(`Teams manifest (${zip ?? 'manifests/teams'}) and ${sampleTeamsCards().length} Adaptive Cards are valid.\n`);
  } catch (e) {
    process.stderr.write(`validate-teams: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
