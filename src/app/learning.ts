import type { Case } from '../domain/case.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import { caseKey } from './case-repository.js';
import { mentionKey } from '../domain/mention.js';
import { CorrectionMemory } from '../screening/correction-memory.js';
import { decisionLabels, topicForGroup, type Decision } from '../screening/decision-labels.js';
import { emptyTextModel, learn, TEXT_TASKS, type TextLabels, type TextModel, type TextTask } from '../screening/text-model.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import type { CaseService } from './case-service.js';
import type { PiiConfig } from '../screening/find-pii.js';
import { maskPersonalData, NO_PUBLIC_NUMBERS } from '../screening/mask-personal-data.js';

/**
 * Learning from staff decisions. Moving a case to another group, correcting its sentiment
 * or intent, and ignoring it as spam or not about us each become a labelled example. The
 * examples are kept in the store, in order, so every instance applies the same ones to
 * its copy of the model (and a restart replays them onto the trained model file). The
 * model takes a gentle step per label (it generalises; a label does not overwrite what
 * thousands of others taught), and the corrected post itself is remembered, so the next
 * near-identical post is screened the way staff said.
 */
export const LABELS = 'learn:labels';
export const LABEL = (id: number | string) => `learn:label:${id}`;
/** The labels that came from one case (erased with it). */
export const CASE_LABELS = (caseId: string) => `learn:case:${caseId}`;
const LABEL_SEQ = 'seq:learn-label';
/** The label one change of a case became (its id), so a repeat of the change records none. */
export const CHANGE_LABEL = (caseId: string, change: string) => `learn:change:${caseId}:${change}`;
/**
 * How long a change's label id is kept: longer than any retry of the change (the outbox
 * gives up within the hour; a cut-off change is resumed within seconds).
 */
const CHANGE_LABEL_TTL_MS = 30 * 86_400_000;

/** Outbox kind of a staff label that must be retried. */
export const LABEL_KIND = 'learn.label';


/** One staff decision as a training example. The text is masked where it holds personal data. */
export interface StaffLabel {
  id: number;
  at: string;
  caseId: string;
  /** network:post id of the mention, so an author's erasure finds it. */
  mention: string;
  decision: Decision;
  text: string;
  labels: TextLabels;
}

/**
 * A task the model knows only from staff decisions (no trained model had it) is used once
 * it has this many labels, of at least two kinds: until then the lexicon and the word
 * rules answer (one early correction must not tag every post the same).
 */
export const MIN_LEARNED_LABELS = 20;

/** Labels replayed at most at start (the newest ones), and per catch-up round. */
const REPLAY_LIMIT = 50_000;
const BATCH = 500;

export interface LearnerDeps {
  store: Store;
  log: Logger;
  /** The model trained by `earshot train`, if the team has one; else learning starts from nothing. */
  base?: TextModel | undefined;
  /** What the masking gate spares (the brand's published numbers) in the labels' texts. */
  pii?: PiiConfig | undefined;
}

export class Learner {
  private readonly model: TextModel;
  /** The corrected posts themselves: a near-identical post gets staff's labels outright. */
  private readonly memory = new CorrectionMemory();
  /** The highest label id applied to this instance's model. */
  private applied = 0;
  private catching: Promise<number> | undefined;
  private started = false;

  /** The tasks of the trained model: used from the start. */
  private readonly baseTasks: ReadonlySet<TextTask>;
  /** What screening gets now; rebuilt after every label learned (null: not built). */
  private view: TextModel | undefined | null = null;

  constructor(private readonly deps: LearnerDeps) {
    this.model = deps.base ?? emptyTextModel();
    this.baseTasks = new Set(TEXT_TASKS.filter((t) => deps.base?.tasks[t]));
  }

  /**
   * The model screening uses: the trained one plus what staff taught, with only the tasks
   * it can answer well enough ({@link MIN_LEARNED_LABELS}); undefined while it has none.
   */
  current(): TextModel | undefined {
    if (this.view !== null) return this.view;
    const tasks = TEXT_TASKS.filter((t) => this.model.tasks[t]);
    const ready = tasks.filter((t) => this.ready(t));
    if (ready.length === 0) this.view = undefined;
    else if (ready.length === tasks.length) this.view = this.model;
    // The same weights, fewer tasks; its packed copy is its own (built on first use).
    else this.view = { ...this.model, tasks: Object.fromEntries(ready.map((t) => [t, this.model.tasks[t]])), packed: undefined };
    return this.view;
  }

  /** Staff corrections by post, for screening. */
  corrections(): CorrectionMemory {
    return this.memory;
  }

  private ready(name: TextTask): boolean {
    if (this.baseTasks.has(name)) return true;
    const task = this.model.tasks[name];
    if (!task || task.labels.length < 2) return false;
    return task.seen.reduce((a, b) => a + b, 0) >= MIN_LEARNED_LABELS;
  }

  /** How many staff labels this instance has applied. */
  get appliedUpTo(): number {
    return this.applied;
  }

  /**
   * Listens to case changes durably: a staff decision is recorded once, even when the
   * recording fails (the outbox retries it) or a crash cuts it off (resumed with the
   * change), then applied. The decision is worked out when the change is made (it
   * compares the case before and after); the post's text is read when it is recorded.
   */
  attach(cases: Pick<CaseService, 'onChangeDurably'>): void {
    cases.onChangeDurably({
      kind: LABEL_KIND,
      plan: (prev, next) => {
        const found = decisionLabels(prev, next, (g) => topicForGroup(this.model.topicGroups, g));
        return found && { at: next.updatedAt, decision: found.decision, labels: found.labels };
      },
      run: async ({ caseId, change, payload }) => { await this.record(caseId, change, decisionOf(payload)); },
    });
  }

  /**
   * Records the decision one change of a case made, once per change (`change` names it),
   * and applies it here at once. Undefined when the case is gone: erased with its author,
   * its text must not come back as a label.
   */
  async record(caseId: string, change: string, d: { at: string; decision: Decision; labels: TextLabels }): Promise<StaffLabel | undefined> {
    const { store } = this.deps;
    const c = await store.get<Case>(caseKey(caseId));
    if (!c) {
      this.deps.log.info({ caseId, decision: d.decision }, 'a staff decision was not learned: its case is gone');
      return undefined;
    }
    // The change's label id is taken once; a repeat writes the same label under it again,
    // which finishes what a crash may have left half done.
    const claim = CHANGE_LABEL(caseId, change);
    let id = await store.get<number>(claim);
    if (id === undefined) {
      const fresh = await store.incr(LABEL_SEQ);
      id = (await store.insertIfAbsent(claim, fresh, CHANGE_LABEL_TTL_MS)) ? fresh : await store.get<number>(claim);
      if (id === undefined) throw new Error(`the label of change ${change} of case ${caseId} was claimed and is gone`);
    }
    const label: StaffLabel = {
      id,
      at: d.at,
      caseId,
      mention: mentionKey(c.mention),
      decision: d.decision,
      text: maskPersonalData(c.mention.text, this.deps.pii ?? NO_PUBLIC_NUMBERS),
      labels: d.labels,
    };
    await store.set(LABEL(id), label);
    await store.setAdd(CASE_LABELS(caseId), String(id));
    await store.zAdd(LABELS, String(id), id);
    this.deps.log.info({ caseId, decision: d.decision, labels: d.labels }, 'learned from a staff decision');
    await this.catchUp();
    return label;
  }

  /**
   * Applies every recorded label this instance has not applied yet, oldest first (other
   * instances' decisions too). At the first call, only the newest {@link REPLAY_LIMIT}.
   * Returns how many were applied.
   */
  catchUp(): Promise<number> {
    // One catch-up at a time: labels must be applied once each, in order.
    const run = (this.catching ?? Promise.resolve(0)).then(() => this.applyNew());
    this.catching = run.catch(() => 0);
    return run;
  }

  private async applyNew(): Promise<number> {
    const { store, log } = this.deps;
    if (!this.started) {
      this.started = true;
      const total = await store.zCard(LABELS);
      if (total > REPLAY_LIMIT) {
        const skip = await store.zRangeByScore(LABELS, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, total - REPLAY_LIMIT);
        this.applied = skip[skip.length - 1]?.score ?? 0;
      }
    }
    let count = 0;
    for await (const { id, label } of labelsAfter(store, this.applied)) {
      // Erased since (the author asked, or retention): skip it.
      if (label && typeof label.text === 'string' && label.labels) {
        try {
          learn(this.model, label.text, label.labels);
          this.memory.add(label.text, label.labels, label.caseId);
          // At once, before any await: the old view may name columns that just moved.
          this.view = null;
          count += 1;
        } catch (e) {
          log.warn({ err: e, label: id }, 'a staff label could not be learned; skipped');
        }
      }
      this.applied = id;
    }
    return count;
  }
}

const DECISIONS: readonly Decision[] = ['reroute', 'retag', 'ignore'];

/** A label item as the outbox stored it; a malformed one is never retried. */
function decisionOf(p: Record<string, unknown>): { at: string; decision: Decision; labels: TextLabels } {
  const { at, decision, labels } = p;
  if (typeof at !== 'string' || !DECISIONS.includes(decision as Decision) || typeof labels !== 'object' || labels === null) {
    throw new RemoteRefusedError('a staff label item without its time, decision or labels');
  }
  return { at, decision: decision as Decision, labels: labels as TextLabels };
}

/** Removes the labels a case taught (its text goes with the case: erasure, retention). */
export async function forgetCaseLabels(store: Store, caseId: string): Promise<number> {
  const ids = await store.setMembers(CASE_LABELS(caseId));
  for (const id of ids) {
    await store.delete(LABEL(id));
    await store.zRemove(LABELS, id);
  }
  if (ids.length > 0) await store.setRemove(CASE_LABELS(caseId), ...ids);
  return ids.length;
}

/**
 * The labels recorded after label `after`, oldest first, a page at a time; `label` is
 * undefined where it was erased since. Yields to other work between pages (a replay at
 * start must not hold up requests).
 */
async function* labelsAfter(store: Store, after: number): AsyncGenerator<{ id: number; label: StaffLabel | undefined }> {
  for (;;) {
    const page = await store.zRangeByScore(LABELS, after + 1, Number.POSITIVE_INFINITY, BATCH);
    if (page.length === 0) return;
    for (const { member, score } of page) {
      yield { id: score, label: await store.get<StaffLabel>(LABEL(member)) };
      after = score;
    }
    await new Promise((r) => setImmediate(r));
  }
}

/** Every stored staff label, oldest first (for `earshot labels`: retraining with them). */
export async function* staffLabels(store: Store): AsyncGenerator<StaffLabel> {
  for await (const { label } of labelsAfter(store, 0)) if (label) yield label;
}
