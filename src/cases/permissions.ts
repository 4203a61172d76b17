import type { Config } from '../config/schema.js';
import type { Actor } from '../domain/actor.js';
import { actorRef, isAgent, isApprover, matchesPrincipal, type Membership, type Refusal } from './policy.js';

/**
 * Who may use which command, view and export, on Slack, Teams and the command line: the
 * one table every check reads (the command router, the metrics answer, the README). Pure:
 * it is given the config and the person, and never asks a platform.
 */

/** Everything a person can ask for, by what it shows. */
export type Permission =
  | 'help'
  | 'metrics.team'
  | 'metrics.own'
  | 'metrics.agents'
  | 'metrics.other-agent'
  | 'queue'
  | 'sla'
  | 'budget'
  | 'notify'
  | 'authors.links'
  | 'authors.erase'
  | 'digest'
  | 'export.cases'
  | 'export.labels'
  | 'erase.cli';

/**
 * Kinds of people a row grants to.
 * - `anyone`: whoever can type to the bot.
 * - `staff`: policy.agents (empty = everyone), policy.approvers, metrics.viewers, and
 *   anyone a group's policy.groups.<group> lists name.
 * - `approvers`: policy.approvers. `viewers`: metrics.viewers.
 * - `group-approvers`: policy.groups.<group>.approve, for figures of that group only.
 * - `operators`: whoever can run the CLI against the store (STORE_URL); no chat identity.
 * - `digest-channel`: the channel metrics.digest.channel names, chosen in the config.
 */
export type Grant = 'anyone' | 'staff' | 'approvers' | 'viewers' | 'group-approvers' | 'operators' | 'digest-channel';

/** Where a thing is used: a chat platform, the CLI, or the scheduler. */
export type Surface = 'slack' | 'teams' | 'cli' | 'schedule';

export interface PermissionRow {
  permission: Permission;
  /** What is typed (or what runs) to get it. */
  use: string;
  /** What it lets a person do, in words for refusals and the README ("see …", "erase …"). */
  what: string;
  surfaces: readonly Surface[];
  who: readonly Grant[];
  /**
   * May the answer be shown in a shared conversation (a Teams channel or group chat)?
   * False for anything that names or measures one person, or shows authors' identities.
   */
  shared: boolean;
}

const CHAT: readonly Surface[] = ['slack', 'teams'];

/** The table. Every command the router knows names one of these rows. */
export const PERMISSIONS: readonly PermissionRow[] = [
  { permission: 'help', use: 'help', what: 'see the command list', surfaces: CHAT, who: ['anyone'], shared: true },
  { permission: 'metrics.team', use: 'metrics [period] [group]', what: "see the team's or a group's figures (volume, response times, SLA, backlog, approvals, reach, trends) and their charts", surfaces: CHAT, who: ['staff'], shared: true },
  { permission: 'metrics.own', use: 'metrics [period] @yourself; your own line under "Agents:"', what: 'see your own figures', surfaces: CHAT, who: ['staff'], shared: false },
  { permission: 'metrics.agents', use: 'metrics [period] [group] (the "Agents:" line)', what: 'see every agent\'s figures side by side', surfaces: CHAT, who: ['approvers', 'viewers', 'group-approvers'], shared: false },
  { permission: 'metrics.other-agent', use: 'metrics [period] @someone', what: "see another agent's figures", surfaces: CHAT, who: ['approvers', 'viewers'], shared: false },
  { permission: 'queue', use: 'queue [group]', what: 'see open cases by group and age, with their owners', surfaces: CHAT, who: ['staff'], shared: true },
  { permission: 'sla', use: 'sla [group]', what: 'see open cases past or near their SLA', surfaces: CHAT, who: ['staff'], shared: true },
  { permission: 'budget', use: 'budget', what: "see what is left of each source's API budget", surfaces: CHAT, who: ['staff'], shared: true },
  { permission: 'notify', use: 'notify on / off / quiet 18:00-08:00 / quiet off', what: 'change your own personal alerts (direct messages from the bot)', surfaces: CHAT, who: ['anyone'], shared: false },
  { permission: 'authors.links', use: 'link / unlink / links <network>:<handle>', what: "see and change which authors' identities are one person, and who linked them", surfaces: CHAT, who: ['staff'], shared: false },
  { permission: 'authors.erase', use: 'erase-author <network>:<handle>', what: 'erase everything about one author', surfaces: CHAT, who: ['approvers'], shared: false },
  { permission: 'digest', use: 'metrics.digest (scheduled)', what: "receive the team's figures with the per-agent line and charts, daily or weekly", surfaces: ['schedule'], who: ['digest-channel'], shared: true },
  { permission: 'export.cases', use: 'earshot export', what: 'export cases as CSV, with author ids, handles and post text (personal data masked)', surfaces: ['cli'], who: ['operators'], shared: false },
  { permission: 'export.labels', use: 'earshot labels', what: 'export staff labels as CSV, with post text (personal data masked)', surfaces: ['cli'], who: ['operators'], shared: false },
  { permission: 'erase.cli', use: 'earshot erase-author', what: 'erase everything about one author', surfaces: ['cli'], who: ['operators'], shared: false },
];

/** Who is asking, and where the answer will be seen. */
export interface AccessContext {
  actor: Actor;
  /** `private`: only the asker sees the answer (Slack ephemeral, a Teams 1:1 chat). `shared`: a channel sees it. */
  audience: 'private' | 'shared';
  /** The skill group the answer is about, when it is about one (group approvers see theirs). */
  group?: string | undefined;
  /** Slack user-group membership, for principals like slack-group:S…. */
  memberOf?: Membership | undefined;
}

/** The parts of the config the table reads. */
export type AccessConfig = Pick<Config, 'policy' | 'metrics'>;

export const permissionRow = (permission: Permission): PermissionRow => PERMISSIONS.find((r) => r.permission === permission)!;

/** Named in any list of the policy or in metrics.viewers: someone who works here. */
export function isStaff(config: AccessConfig, actor: Actor, memberOf?: Membership): boolean {
  const p = config.policy;
  if (isAgent(p, actor, memberOf) || config.metrics.viewers.includes(actorRef(actor))) return true;
  return Object.values(p.groups).some((g) => [g.claim, g.draft, g.approve, g.send].some((list) => !!list && list.length > 0 && matchesPrincipal(p, list, actor, memberOf)));
}

function granted(config: AccessConfig, grant: Grant, ctx: AccessContext): boolean {
  const { actor, memberOf } = ctx;
  switch (grant) {
    case 'anyone': return true;
    case 'staff': return isStaff(config, actor, memberOf);
    case 'approvers': return isApprover(config.policy, actor, memberOf);
    case 'viewers': return config.metrics.viewers.includes(actorRef(actor));
    case 'group-approvers': {
      const list = ctx.group ? config.policy.groups[ctx.group]?.approve : undefined;
      return !!list && matchesPrincipal(config.policy, list, actor, memberOf);
    }
    // Not chat identities: these rows are never granted to someone typing to the bot.
    case 'operators':
    case 'digest-channel':
      return false;
  }
}

/** The config keys that would grant a row, for the refusal. */
function rulesOf(row: PermissionRow, group: string | undefined): string[] {
  return row.who.flatMap((g): string[] => {
    switch (g) {
      case 'staff': return ['policy.agents'];
      case 'approvers': return ['policy.approvers'];
      case 'viewers': return ['metrics.viewers'];
      case 'group-approvers': return group ? [`policy.groups.${group}.approve`] : [];
      case 'digest-channel': return ['metrics.digest.channel'];
      default: return [];
    }
  });
}

const orList = (items: string[]): string => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`);

/**
 * May this person have this, here? Undefined when yes; otherwise a refusal naming the
 * config key that would allow it, or, when only the place is wrong, where to ask instead.
 */
export function authorize(config: AccessConfig, permission: Permission, ctx: AccessContext): Refusal | undefined {
  const row = permissionRow(permission);
  if (!row.who.some((g) => granted(config, g, ctx))) {
    const rules = rulesOf(row, ctx.group);
    if (row.who.includes('operators')) {
      return { code: 'not_allowed', rule: 'STORE_URL', message: `${row.use} is for operators with the command line and the store; it is not a chat command.` };
    }
    return {
      code: 'not_allowed',
      rule: rules[0] ?? 'policy',
      message: `Only the people in ${orList(rules)} may ${row.what} (${row.use}); you are not on ${rules.length > 1 ? 'those lists' : 'that list'}.`,
    };
  }
  if (!row.shared && ctx.audience === 'shared') {
    return {
      code: 'not_allowed',
      rule: 'audience',
      message: `${row.use} is answered only in private, never in a shared channel. Message Earshot in a 1:1 chat and ask there.`,
    };
  }
  return undefined;
}
