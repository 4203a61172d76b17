import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, parseConfig } from '../../src/config/load-config.js';

const ROOT = join(__dirname, '..', '..');

const base = `
brand: { name: Acme }
sources: [{ name: x, network: x, queries: ['@acme'] }]
groups: [{ id: care, slack: { channel: C0CARE0001 } }]
routing: { fallback: care }
`;

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigInvalidError)) throw e;
    return e.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('the workflow parts of the configuration', () => {
  it('accepts the two-instance example as shipped', () => {
    const config = parseConfig(readFileSync(join(ROOT, 'examples/two-instances-redis/earshot.yaml'), 'utf8'));
    expect(config.policy.groups.baggage?.approve).toEqual(['group:leads']);
    expect(config.groups[0]!.assign).toMatchObject({ mode: 'assign', strategy: 'least-load', pickupTimeout: 600_000, maxTries: 2 });
    expect(config.sla?.targets).toHaveLength(3);
    expect(config.retention).toEqual({ days: 90 });
  });

  it('defaults: approval always, no SLA, no retention, a sweep every minute', () => {
    const config = parseConfig(base);
    expect(config.policy.requireApproval).toBe(true);
    expect(config.sla).toBeUndefined();
    expect(config.retention).toBeUndefined();
    expect(config.jobs.sweepInterval).toBe(60_000);
  });

  it.each([
    ['an unknown group of people', 'policy: { approvers: [group:leads] }', 'policy.approvers[0]: no group of people "leads"'],
    ['rules for an unknown skill group', 'policy: { groups: { bags: { claim: [slack:U1] } } }', 'policy.groups.bags: unknown group "bags"'],
    ['a person written wrongly', 'policy: { agents: [U0123] }', 'policy.agents[0]: name people as'],
    ['an SLA target for an unknown group', 'sla: { targets: [{ group: bags, firstResponse: 1h }] }', 'sla.targets[0].group: unknown group "bags"'],
    ['a bad time zone', 'sla: { hours: { timezone: Mars/Base }, targets: [{ firstResponse: 1h }] }', 'sla.hours.timezone: an IANA time zone'],
    ['closing before opening', "availability: { default: { from: '17:00', to: '09:00' } }", 'availability.default.to: "to" must be after "from"'],
    ['quiet hours without a start', "policy: { quietHours: { to: '07:00' } }", 'policy.quietHours.from'],
    ['an allowlist entry that is not a host', 'policy: { linkAllowlist: ["https://acme.com/x"] }', 'policy.linkAllowlist[0]: a host name'],
  ])('reports %s with its path', (_n, extra, want) => {
    const found = problems(`${base}\n${extra}`);
    expect(found.some((p) => p.startsWith(want)), found.join('\n')).toBe(true);
  });
});
