import { planSweep, type SweepAction } from '../cases/sweep.js';
import type { Config } from '../config/schema.js';
import { SYSTEM } from '../domain/actor.js';
import type { Case } from '../domain/case.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { AgentRouter } from './agent-router.js';
import { OPEN_INDEX } from './case-repository.js';
import type { ApplyResult, CaseService } from './case-service.js';
import { leadNoticeLines, postToLeads } from './escalations.js';

export interface SweepDeps {
  cases: CaseService;
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  router: AgentRouter;
}

export interface SweepReport {
  open: number;
  planned: number;
  applied: number;
  /** Planned actions another instance or a person got to first (a stale version, a mark already there). */
  skipped: number;
  byKind: Record<string, number>;
}

/** Every open case of every configured group. */
export async function openCasesOf(deps: Pick<SweepDeps, 'store' | 'cases' | 'config'>): Promise<Case[]> {
  const out: Case[] = [];
  for (const g of deps.config.groups) {
    for (const id of await deps.store.setMembers(OPEN_INDEX(g.id))) {
      const c = await deps.cases.get(id);
      if (c) out.push(c);
    }
  }
  return out;
}

/**
 * One SLA sweep: plans over every open case (pure), then applies each action as a
 * workflow command with the system actor. Each command is compare-and-set at the
 * version planned from, so a sweep that overlaps another instance's, or a person's
 * click, changes nothing twice. SLA breaches are also posted to the group's lead
 * channel; reminders go to the card's thread (the change's note).
 */
export async function runSweep(deps: SweepDeps): Promise<SweepReport> {
  const { cases, clock, log } = deps;
  const open = await openCasesOf(deps);
  const now = clock.now().toISOString();
  const plan = planSweep(open, deps.config, now);
  const report: SweepReport = { open: open.length, planned: plan.length, applied: 0, skipped: 0, byKind: {} };
  const loads = plan.some((a) => a.kind === 'assign' || a.kind === 'offer_next') ? await deps.router.loads() : undefined;
  for (const action of plan) {
    let result: ApplyResult | undefined;
    try {
      result = await apply(deps, action, open.find((c) => c.id === action.caseId)!, loads);
    } catch (e) {
      log.error({ err: e, caseId: action.caseId, kind: action.kind }, 'sweep action failed; it is planned again next tick');
      continue;
    }
    const kind = action.kind === 'sla' ? `sla.${action.event}` : action.kind;
    if (result?.ok) {
      report.applied += 1;
      report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
      if (action.kind === 'sla' && action.event === 'breach') await escalateToLeads(deps, result.case, action.note);
    } else {
      report.skipped += 1;
      if (result) log.debug({ caseId: action.caseId, kind, refusal: result.refusal.message }, 'sweep action skipped');
    }
  }
  if (report.applied > 0) log.info(report, 'SLA sweep');
  return report;

  async function apply(d: SweepDeps, a: SweepAction, c: Case, l: Map<string, number> | undefined): Promise<ApplyResult | undefined> {
    switch (a.kind) {
      case 'wake': return cases.apply(a.caseId, { type: 'wake' }, SYSTEM, a.version);
      case 'expire_claim': return cases.apply(a.caseId, { type: 'expire_claim' }, SYSTEM, a.version);
      case 'assign': return d.router.offer(c, l);
      case 'offer_next': return a.backToChannel ? cases.apply(a.caseId, { type: 'assign' }, SYSTEM, a.version) : d.router.offer(c, l);
      // Marks do not change the version; the mark itself makes the second attempt a no-op.
      case 'sla': return cases.apply(a.caseId, { type: 'sla_mark', key: a.key, note: a.note }, SYSTEM);
    }
  }
}

/** Posts an SLA breach to the group's lead channels, Slack and Teams (durably, through the outbox). */
async function escalateToLeads(deps: SweepDeps, c: Case, note: string): Promise<void> {
  if ((await postToLeads(deps, c, leadNoticeLines(deps.config, c, note))) === 0) {
    deps.log.warn({ caseId: c.id, group: c.group }, 'SLA breached but the group has no leadChannel; only the card thread was told');
  }
}
