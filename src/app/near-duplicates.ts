import type { Config } from '../config/schema.js';
import { isOpen, type Case } from '../domain/case.js';
import { mentionKey, MentionSchema, type Mention } from '../domain/mention.js';
import { foldSimilar } from '../cases/fold-similar.js';
import { foldedUpdates } from '../metrics/rollup.js';
import { applyIncrementsOnce } from '../metrics-store/rollup-writes.js';
import type { Outbox } from '../outbox/outbox.js';
import { fingerprintText, simhashDistance, type TextFingerprint } from '../screening/fingerprint.js';
import { rankSimilarCases, type SimilarCandidate } from '../screening/similar-case.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import type { CaseService } from './case-service.js';
import { enqueueDelivery } from './delivery-kinds.js';
import { INBOX, MENTION_CASE, PENDING } from './inbox-keys.js';
import { SimilarIndex } from './similar-index.js';
import type { StormService } from './storms.js';

/** The case a near-identical post was folded into: processing the post again finds it here. */
export const SIMILAR_OF = (key: string) => `similar-of:${key}`;
/** A post staff split out of a case: it opens a case of its own and is never folded again. */
export const SPLIT_OUT = (key: string) => `split-out:${key}`;

/** Case candidates read per post (the closest first); the rest are farther anyway. */
const CASES_TRIED = 4;
/**
 * A folded post is filed in the index too when it is at least this far from the post it
 * matched (so a complaint that drifts, edit by edit, still finds its case), until the case
 * holds this many folds: by then its variants are well covered, and the index stays small.
 */
const FILE_DISTANCE = 4;
const FILE_UNTIL = 32;

export interface NearDuplicateDeps {
  store: Store;
  config: Config;
  log: Logger;
  outbox: Outbox;
  cases: CaseService;
  storms?: Pick<StormService, 'mode'> | undefined;
}

const authorOf = (m: Mention): string => `${m.network}:${m.author.id}`;
const indexOf = (deps: NearDuplicateDeps): SimilarIndex =>
  new SimilarIndex(deps.store, { sameAuthorOnly: deps.config.duplicates.sameAuthorOnly, windowMs: deps.config.duplicates.window });

/**
 * Folds a post into an open case of its group whose post (or a post folded into it) is
 * near-identical, within the configured window; true when the post now belongs to that
 * case. A post processed again (a crash, a redelivery) finds the case it was folded into
 * and is counted once. During a storm in the group, storm folding wins: the post gets a
 * case of its own and the storm card counts it. A post split out by staff is not folded.
 */
export async function foldNearDuplicate(
  deps: NearDuplicateDeps, mention: Mention, group: string, now: string, opts: { split?: boolean } = {},
): Promise<boolean> {
  const { store, config, cases } = deps;
  const settings = config.duplicates;
  const key = mentionKey(mention);
  // `split`: the caller has just read whether staff split the post out (else it is read here).
  if (!settings.enabled || (opts.split ?? (await store.get(SPLIT_OUT(key))) !== undefined)) return false;
  if (deps.storms && (await deps.storms.mode(group)) === 'storm') return false;
  const fp = fingerprintText(mention.text);
  const at = Date.parse(now);
  const found = await indexOf(deps).candidates(group, fp, authorOf(mention), at);
  const ranked = rankSimilarCases(fp, authorOf(mention), found, { threshold: settings.threshold, sameAuthorOnly: settings.sameAuthorOnly, windowMs: settings.window }, at);
  let target: Case | undefined;
  for (const id of ranked.slice(0, CASES_TRIED)) {
    const c = await cases.get(id);
    if (c && isOpen(c.status) && c.group === group) { target = c; break; }
  }
  if (!target) return false;
  // Bound first, so a crash from here on is repaired by processing the post again.
  const into = (await store.insertIfAbsent(SIMILAR_OF(key), target.id)) ? target.id : (await store.get<string>(SIMILAR_OF(key)))!;
  await store.insertIfAbsent(MENTION_CASE(key), into);
  await completeFold(deps, into, mention, now, { fp, matched: found.find((x) => x.caseId === into) });
  return true;
}

/**
 * The fold's work, each part idempotent: the count and sample on the case (once per post,
 * by its key), the metrics (once per post), the card refresh (coalesced) and the index.
 */
export async function completeFold(
  deps: NearDuplicateDeps, caseId: string, mention: Mention, now: string, found?: { fp: TextFingerprint; matched: SimilarCandidate | undefined },
): Promise<void> {
  const { store, config, cases, outbox } = deps;
  const key = mentionKey(mention);
  const settings = config.duplicates;
  const folded = await cases.foldRecord(caseId, (c) => foldSimilar(c, key, mention, now, settings.samples));
  if (!folded) return;
  await applyIncrementsOnce(store, `fold-${key}`, 'fold', foldedUpdates(folded, now, { timezone: config.metrics.timezone }));
  await enqueueDelivery(outbox, 'card.update', { caseId });
  if (found?.matched && folded.duplicates <= FILE_UNTIL && simhashDistance(found.fp.simhash, found.matched.simhash) >= FILE_DISTANCE) {
    await indexOf(deps).add(folded.group, caseId, key, found.fp, authorOf(mention), Date.parse(now), Date.parse(now));
  }
  deps.log.debug({ caseId, post: key, duplicates: folded.duplicates }, 'near-identical post folded into an open case');
}

/** Files a newly opened case's post in the index, so near-identical posts find it. */
export async function indexNewCase(deps: NearDuplicateDeps, c: Case, now: string): Promise<void> {
  if (!deps.config.duplicates.enabled) return;
  const at = Date.parse(now);
  await indexOf(deps).add(c.group, c.id, mentionKey(c.mention), fingerprintText(c.mention.text), authorOf(c.mention), at, at);
}

/**
 * Split, carried out: a post staff split out of a case (the workflow's `split`) goes back
 * into the inbox, marked never to be folded again, and is screened and routed like any
 * mention into a case of its own. Exactly once per split, across crashes and retries: a
 * post that has its own case already is left alone. `wake` asks for an inbox run.
 */
export function trackSplits(cases: Pick<CaseService, 'onChangeDurably'>, store: Store, wake: () => void): void {
  cases.onChangeDurably({
    kind: 'case.split',
    plan: (prev, next) => {
      if (!prev || next.audit.at(-1)?.action !== 'split') return undefined;
      const kept = new Set((next.similar?.samples ?? []).map((s) => s.key));
      const gone = (prev.similar?.samples ?? []).find((s) => !kept.has(s.key));
      return gone ? { key: gone.key, mention: gone.mention } : undefined;
    },
    run: async ({ caseId, payload }) => {
      const mention = MentionSchema.parse(payload.mention);
      const key = mentionKey(mention);
      const bound = await store.get<string>(MENTION_CASE(key));
      if (bound !== undefined && bound !== caseId) return;
      await store.set(SPLIT_OUT(key), true);
      await store.delete(SIMILAR_OF(key));
      await store.delete(MENTION_CASE(key));
      await store.set(INBOX(key), mention);
      await store.zAdd(PENDING, key, Date.parse(mention.createdAt) || 0);
      wake();
    },
  });
}
