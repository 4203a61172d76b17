import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authorize, isStaff, PERMISSIONS, type Permission } from '../../src/cases/permissions.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { Actor } from '../../src/domain/actor.js';

const config = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups:
  - { id: care, slack: { channel: C0CARE0001 } }
  - { id: baggage, slack: { channel: C0BAGS0001 } }
routing: { fallback: care }
policy:
  approvers: [slack:U0LEAD0001, slack-group:S0LEADS001]
  agents: [slack:U0AGENT001, teams:aad-agent]
  groups:
    care: { approve: [slack:U0GLEAD001] }
metrics:
  viewers: [slack:U0VIEW0001, teams:aad-viewer]
`);

const slack = (id: string): Actor => ({ platform: 'slack', id });
const ROLES: Record<string, Actor> = {
  agent: slack('U0AGENT001'),
  teamsAgent: { platform: 'teams', id: 'aad-agent' },
  approver: slack('U0LEAD0001'),
  viewer: slack('U0VIEW0001'),
  teamsViewer: { platform: 'teams', id: 'aad-viewer' },
  lead: slack('U0GLEAD001'),
  outsider: slack('U0OUTSD001'),
};

/** [permission, role, group, audience, expected: 'ok' or the config key that refuses] */
const MATRIX: Array<[Permission, keyof typeof ROLES, string | undefined, 'private' | 'shared', string]> = [
  ['help', 'outsider', undefined, 'shared', 'ok'],
  ['metrics.team', 'agent', undefined, 'shared', 'ok'],
  ['metrics.team', 'lead', undefined, 'shared', 'ok'],
  ['metrics.team', 'outsider', undefined, 'private', 'policy.agents'],
  ['metrics.own', 'agent', undefined, 'private', 'ok'],
  ['metrics.own', 'teamsAgent', undefined, 'private', 'ok'],
  ['metrics.own', 'agent', undefined, 'shared', 'audience'],
  ['metrics.agents', 'agent', undefined, 'private', 'policy.approvers'],
  ['metrics.agents', 'approver', undefined, 'private', 'ok'],
  ['metrics.agents', 'viewer', undefined, 'private', 'ok'],
  ['metrics.agents', 'teamsViewer', undefined, 'private', 'ok'],
  ['metrics.agents', 'viewer', undefined, 'shared', 'audience'],
  ['metrics.agents', 'lead', 'care', 'private', 'ok'],
  ['metrics.agents', 'lead', 'baggage', 'private', 'policy.approvers'],
  ['metrics.agents', 'lead', undefined, 'private', 'policy.approvers'],
  ['metrics.other-agent', 'lead', 'care', 'private', 'policy.approvers'],
  ['metrics.other-agent', 'viewer', undefined, 'private', 'ok'],
  ['metrics.other-agent', 'agent', undefined, 'private', 'policy.approvers'],
  ['queue', 'viewer', undefined, 'shared', 'ok'],
  ['queue', 'outsider', undefined, 'shared', 'policy.agents'],
  ['authors.links', 'agent', undefined, 'private', 'ok'],
  ['authors.links', 'agent', undefined, 'shared', 'audience'],
  ['authors.erase', 'viewer', undefined, 'private', 'policy.approvers'],
  ['authors.erase', 'approver', undefined, 'private', 'ok'],
  ['authors.erase', 'approver', undefined, 'shared', 'audience'],
  ['export.cases', 'approver', undefined, 'private', 'STORE_URL'],
  ['export.labels', 'viewer', undefined, 'private', 'STORE_URL'],
  ['digest', 'approver', undefined, 'private', 'metrics.digest.channel'],
];

describe('the authorization table', () => {
  it.each(MATRIX)('%s · %s · group %s · %s → %s', (permission, role, group, audience, expected) => {
    const refusal = authorize(config, permission, { actor: ROLES[role]!, audience, group });
    expect(refusal?.rule ?? 'ok').toBe(expected);
    // A refusal says, in words, the config key that would allow it (or where to ask instead).
    if (refusal && expected !== 'audience') expect(refusal.message).toContain(expected === 'STORE_URL' ? 'operators' : expected);
    if (refusal?.rule === 'audience') expect(refusal.message).toMatch(/1:1 chat/);
  });

  it('names the group approvers key when a group lead is refused another group', () => {
    expect(authorize(config, 'metrics.agents', { actor: ROLES.agent!, audience: 'private', group: 'care' })?.message)
      .toContain('policy.approvers, metrics.viewers or policy.groups.care.approve');
  });

  it('reads Slack user-group membership for principals like slack-group:S…', () => {
    const inGroup = slack('U0INGROUP1');
    expect(authorize(config, 'metrics.agents', { actor: inGroup, audience: 'private' })?.rule).toBe('policy.approvers');
    expect(authorize(config, 'metrics.agents', { actor: inGroup, audience: 'private', memberOf: () => ['slack-group:S0LEADS001'] })).toBeUndefined();
  });

  it('counts everyone as staff when policy.agents is empty, as the case policy does', () => {
    const open = parseConfig(`
brand: { name: Acme }
sources: [{ name: x-mentions, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: C0CARE0001 } }]
routing: { fallback: care }
`);
    expect(isStaff(open, slack('U0ANYONE01'))).toBe(true);
    expect(isStaff(config, slack('U0ANYONE01'))).toBe(false);
  });

  it('has one row per permission, and every row that may not be shared is about a person or authors', () => {
    const ids = PERMISSIONS.map((r) => r.permission);
    expect(new Set(ids).size).toBe(ids.length);
    expect(PERMISSIONS.filter((r) => !r.shared).map((r) => r.permission).sort()).toEqual(
      ['authors.erase', 'authors.links', 'erase.cli', 'export.cases', 'export.labels', 'metrics.agents', 'metrics.other-agent', 'metrics.own', 'notify'],
    );
  });

  it('is the table the README shows: every row is listed there as it is typed', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Who sees what'), readme.indexOf('## Commands'));
    for (const row of PERMISSIONS) expect(section, row.permission).toContain(`\`${row.use}\``);
  });
});
