import { checkReplyText } from '../../src/cases/policy.js';
import { aiSdkModel } from '../../src/assist/ai-sdk-model.js';
import { AssistIndex } from '../../src/assist/assist-index.js';
import { ModelDraftAssistant } from '../../src/assist/model-draft-assistant.js';
import { TokenBudget } from '../../src/assist/token-budget.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import { CaseSchema, type Case } from '../../src/domain/case.js';
import { maskPersonalData } from '../../src/screening/mask-personal-data.js';
import { findPii } from '../../src/screening/find-pii.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { linkHosts } from '../../src/text-links/link-hosts.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import type { FakeModel } from '../fakes/fake-model.js';
import type { SuggestContext } from '../../src/app/draft-assistant.js';
import { rankTemplates, renderTemplate } from '../../src/cases/templates.js';

/** The config the assist tests use: X replies, a banned-phrase list, a link allowlist and templates. */
export const assistConfig = (origin: string, extra = ''): Config => parseConfig(`
brand: { name: Acme Air, handles: { x: [acme] } }
sources: [{ name: x, network: x, queries: ['@acme'] }]
groups:
  - { id: care, name: Care, slack: { channel: C0CARE0001 } }
  - { id: baggage, name: Baggage, slack: { channel: C0BAGS0001 } }
routing: { fallback: care }
policy:
  approvers: ['slack:ULEAD']
  bannedPhrases: [guaranteed refund, free flight, lawsuit, idiot, password]
  linkAllowlist: [acme.com]
templates:
  - { id: bag-lost, name: Lost bag, text: 'Hi {{author.name}}, sorry about your bag. File a report at https://help.acme.com/bags and we will track it.', groups: [baggage], keywords: [bag] }
  - { id: general, name: General, text: 'Hi {{author.name}}, thanks for telling us. We are looking into it.' }
links: { bags: 'https://help.acme.com/bags' }
assist:
  provider: openai-compatible
  model: test-model
  baseURL: ${origin}/v1
  timeout: 2s
  dailyTokens: 100000
${extra}
`);

let seq = 0;
export function makeCase(text: string, opts: { group?: string; language?: string; id?: string; name?: string } = {}): Case {
  const id = opts.id ?? `c${++seq}`;
  return CaseSchema.parse({
    id, version: 1, group: opts.group ?? 'baggage', status: 'claimed', createdAt: '2026-01-05T09:00:00.000Z', updatedAt: '2026-01-05T09:00:00.000Z',
    mention: { network: 'x', source: 'x', id: `m-${id}`, text, createdAt: '2026-01-05T09:00:00.000Z', url: `https://x.com/i/web/status/${id}`, author: { id: `u-${id}`, handle: 'traveller', name: opts.name ?? 'Sam' } },
    screening: { group: opts.group ?? 'baggage', ...(opts.language ? { language: opts.language } : {}) },
  });
}

export interface AssistRig {
  config: Config;
  store: Store;
  index: AssistIndex;
  assistant: ModelDraftAssistant;
  budget: TokenBudget;
  clock: ManualClock;
  context(c: Case): SuggestContext;
}

export async function assistRig(fake: FakeModel, extra = ''): Promise<AssistRig> {
  const config = assistConfig(fake.origin, extra);
  const store = await openStore('sqlite://:memory:', { namespace: `assist${Math.random().toString(36).slice(2, 8)}` });
  const index = new AssistIndex();
  const clock = new ManualClock();
  const budget = new TokenBudget(store, config.assist!.dailyTokens);
  const assistant = new ModelDraftAssistant({
    config, assist: config.assist!, model: aiSdkModel(config.assist!, 'sk-test'), index, budget, store, clock, log: createLogger('silent'), linkHosts,
  });
  const actor = { platform: 'slack' as const, id: 'UAGENT', name: 'alice' };
  const context = (c: Case): SuggestContext => {
    const best = rankTemplates(c, config.templates)[0];
    return {
      actor,
      maxChars: 280,
      // What CaseInteractions passes: the policy's text rules, then no personal data and X's length.
      check: (t) => checkReplyText(config.policy, t, linkHosts)?.message ?? (findPii(t, config).length > 0 ? 'personal data' : t.length > 280 ? 'X allows 280 characters' : undefined),
      fallback: best ? { id: best.id, text: maskPersonalData(renderTemplate(best.text, c, { links: config.links, agent: actor }), config) } : undefined,
    };
  };
  return { config, store, index, assistant, budget, clock, context };
}

/** The JSON between the data markers of a recorded request. */
export function dataOf(user: string): Record<string, any> {
  const m = /<<<EARSHOT_DATA\n([\s\S]*)\nEARSHOT_DATA>>>/.exec(user);
  if (!m) throw new Error('no data block in the request');
  return JSON.parse(m[1]!) as Record<string, any>;
}
