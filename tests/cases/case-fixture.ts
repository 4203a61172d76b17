import { PolicySchema, type Policy, type Template } from '../../src/config/schema.js';
import type { Actor } from '../../src/domain/actor.js';
import type { Case, CaseStatus } from '../../src/domain/case.js';

export const NOW = '2026-01-05T10:00:00.000Z';
export const alice: Actor = { platform: 'slack', id: 'UALICE', name: 'Alice' };
export const bob: Actor = { platform: 'slack', id: 'UBOB', name: 'Bob' };
export const carol: Actor = { platform: 'teams', id: 'carol-aad', name: 'Carol' };
export const lead: Actor = { platform: 'slack', id: 'ULEAD', name: 'Lea' };
export const lead2: Actor = { platform: 'teams', id: '00000000-0000-0000-0000-00000000000b', name: 'Tom' };
export const system: Actor = { platform: 'system', id: 'earshot', name: 'Earshot' };

export const policy = (p: Partial<Record<keyof Policy, unknown>> = {}): Policy =>
  PolicySchema.parse({ approvers: ['slack:ULEAD', 'teams:00000000-0000-0000-0000-00000000000b'], ...p });

export const templates: Template[] = [
  { id: 'general', name: 'General', text: 'Hi {{author.name}}', private: false },
  { id: 'dm', name: 'Move to DM', text: 'Please DM us', private: true },
];

/** A case in `status` with the fields that status implies (owner, draft, snooze…). */
export function makeCase(status: CaseStatus, patch: Partial<Case> = {}): Case {
  const owned = ['claimed', 'drafted', 'rejected', 'approved', 'sending', 'sent'].includes(status);
  const drafted = ['drafted', 'approved', 'sending', 'sent'].includes(status);
  return {
    id: '7', version: 3, status, group: 'care',
    mention: { network: 'x', source: 'x', id: '100', text: 'hi', createdAt: NOW, url: 'https://x.com/i/web/status/100', author: { id: 'a1', handle: 'cust', name: 'Cust', followers: 10, verified: false }, isRepost: false, isQuote: false },
    screening: { group: 'care', tags: [], priority: 'normal', drop: false, pii: [], rulesFired: [], secondApprover: false },
    approvals: status === 'approved' ? [lead] : [],
    createdAt: NOW, updatedAt: NOW, views: [], audit: [], duplicates: 0,
    ...(owned ? { owner: alice, claimedAt: NOW, activeAt: NOW } : {}),
    ...(drafted ? { draft: { text: 'Sorry about that!', by: alice, at: NOW } } : {}),
    ...(status === 'sent' ? { reply: { id: '900', url: 'https://x.com/i/web/status/900', at: NOW, text: 'Sorry about that!' } } : {}),
    ...(status === 'snoozed' ? { snooze: { until: '2026-01-05T11:00:00.000Z', from: 'new' as const, by: alice } } : {}),
    ...(status === 'ignored' ? { ignored: { reason: 'spam', by: alice, at: NOW } } : {}),
    ...(status === 'redirected' ? { redirect: { templateId: 'dm', by: alice, at: NOW }, owner: alice } : {}),
    ...patch,
  };
}
