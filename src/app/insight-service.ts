import type { AlertKind } from '../cases/alerts.js';
import type { Config } from '../config/schema.js';
import type { Case } from '../domain/case.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Logger } from '../util/logger.js';
import { foreignLanguage, missingParts, shownFollowUps, threadSig, wantsBrief, wantsSummary, type CaseInsight, type CaseInsights, type InsightPart, type InsightRules } from './case-insights.js';
import type { CaseService } from './case-service.js';
import { deliveryKinds, enqueueDelivery, type DeliveredPayload } from './delivery-kinds.js';
import { postToLeads } from './escalations.js';
import type { InsightStore } from './insight-store.js';

export interface InsightServiceDeps {
  config: Config;
  rules: InsightRules;
  cases: CaseService;
  outbox: Outbox;
  insights: CaseInsights;
  store: InsightStore;
  log: Logger;
}

/** The label every surface puts before an AI-written brief. */
export const BRIEF_LABEL = 'AI-written brief';

/**
 * AI assist's summaries, briefs and translations, computed off the card's path: a case
 * change that leaves something missing queues `assist.insight` (its own lane, so no card
 * waits for the model), which writes it, keeps it beside the case and refreshes the card,
 * and the approval or escalation alert when a brief was written. A model that fails or
 * refuses leaves a note instead, never a broken card.
 */
export class InsightService {
  constructor(private readonly deps: InsightServiceDeps) {}

  register(): void {
    const { cases, outbox } = this.deps;
    cases.onChange(async (prev, next) => {
      if (this.relevant(prev, next) && missingParts(next, this.deps.rules, undefined).length > 0) {
        await enqueueDelivery(outbox, 'assist.insight', { caseId: next.id });
      }
    });
    deliveryKinds.on(outbox, 'assist.insight', (p) => this.write(p.caseId));
    deliveryKinds.on(outbox, 'assist.lead-notice', (p) => this.leadNotice(p));
  }

  /** A change that may need new writing: a new case, a new post in its thread or enough folded ones, a draft or escalation that wants a brief. */
  private relevant(prev: Case | undefined, next: Case): boolean {
    const { rules } = this.deps;
    if (!prev) return true;
    if (threadSig(prev) !== threadSig(next) || wantsSummary(prev, rules) !== wantsSummary(next, rules)) return true;
    return prev.status !== next.status && wantsBrief(next, rules);
  }

  /** Writes what the case lacks now; refreshes the card (and the brief's alert) when anything new was written. */
  async write(caseId: string): Promise<void> {
    const { cases, store, rules, insights, outbox } = this.deps;
    const c = await cases.get(caseId);
    if (!c) return;
    const have: CaseInsight = (await store.get(c.id)) ?? {};
    const missing = missingParts(c, rules, have);
    if (missing.length === 0) return;
    const next: CaseInsight = { ...have, notes: { ...have.notes }, tried: { ...have.tried } };
    const sig = threadSig(c);
    for (const part of missing) {
      if (part === 'translation') {
        await this.translate(c, next);
        continue;
      }
      const answer = part === 'summary' ? await insights.summarize(c) : await insights.brief(c);
      next.tried![part] = sig;
      if (answer.ok) {
        delete next.notes![part];
        next[part] = { sig, text: answer.text };
      } else {
        next.notes![part] = answer.note;
        delete next[part];
      }
    }
    await store.set(c.id, next);
    if (missing.some((p: InsightPart) => p !== 'brief')) await enqueueDelivery(outbox, 'card.update', { caseId: c.id });
    const alert = alertFor(c);
    if (missing.includes('brief') && next.brief && alert) await enqueueDelivery(outbox, 'alert.direct', { caseId: c.id, kind: alert });
  }

  /**
   * Translates the post, once, and the follow-ups the card shows that are not translated
   * yet (the author's later posts, taken to be in the post's language); a failure leaves
   * a note, and what was translated stays.
   */
  private async translate(c: Case, next: CaseInsight): Promise<void> {
    const { insights, rules } = this.deps;
    const from = foreignLanguage(c, rules)!;
    next.tried!.translation = threadSig(c);
    const notes: string[] = [];
    if (!next.translation || next.translation.from !== from) {
      const answer = await insights.translatePost(c, rules.teamLanguage);
      if (answer.ok) next.translation = { text: answer.text, from, to: rules.teamLanguage };
      else notes.push(answer.note);
    }
    const done = { ...next.followUps };
    for (const f of shownFollowUps(c).filter((x) => done[x.id] === undefined)) {
      const answer = await insights.translatePost(c, rules.teamLanguage, f.text);
      if (answer.ok) done[f.id] = answer.text;
      else notes.push(answer.note);
    }
    next.followUps = done;
    if (notes.length > 0) next.notes!.translation = notes[0];
    else delete next.notes!.translation;
  }

  /**
   * Posts an escalation's notice to the group's lead channels with a brief: the one
   * written for the thread as it is, or a new one; without it when the model cannot.
   */
  async announceEscalation(c: Case, lines: string[]): Promise<void> {
    await enqueueDelivery(this.deps.outbox, 'assist.lead-notice', { caseId: c.id, lines });
  }

  private async leadNotice(p: DeliveredPayload<'assist.lead-notice'>): Promise<void> {
    const { cases, store, insights, rules, config, outbox } = this.deps;
    const c = await cases.get(p.caseId);
    if (!c) return;
    let brief = rules.summaries?.briefs ? await store.briefOf(c) : undefined;
    let note: string | undefined;
    if (rules.summaries?.briefs && !brief) {
      const answer = await insights.brief(c);
      if (answer.ok) brief = answer.text;
      else note = answer.note;
    }
    const extra = brief ? [`${BRIEF_LABEL}: ${brief}`] : note ? [note] : [];
    await postToLeads({ config, outbox }, c, [...p.lines, ...extra]);
  }
}

/** The personal alert a brief belongs in. */
function alertFor(c: Case): AlertKind | undefined {
  return c.status === 'drafted' ? 'approval' : c.status === 'escalated' ? 'escalation' : undefined;
}
