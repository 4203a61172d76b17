import { F, unKeyPart } from './rollup-keys.js';

/** How many hashtags a sealed unit (and a live day read) keeps. */
export const SEALED_TOP_HASHTAGS = 50;

/**
 * Field holding how much any one hashtag may have lost to pruning in a unit: for every
 * hashtag, its true count is at most its kept count (0 when dropped) plus this. Sums of
 * units add it up, so a period knows its own bound; trend and spike tests use it so
 * that a hashtag pruned in the previous period does not look new.
 */
export const TAG_CUT = 'tagcut';

/**
 * A day's counters as one record: the day hash as it is, plus its `topTags` most used
 * hashtags as `tag:<tag>` fields and {@link TAG_CUT}. `tags` maps encoded tags to counts
 * (the tags hash, or the first entries of the rank set); `dropped` is the largest count
 * not in `tags` when they were read already cut (from the rank set).
 */
export function sealCounters(
  main: Readonly<Record<string, number>>,
  tags: Readonly<Record<string, number>>,
  topTags = SEALED_TOP_HASHTAGS,
  dropped = 0,
): Record<string, number> {
  const out: Record<string, number> = { ...main };
  const sorted = sortedEntries(tags);
  for (const [field, n] of sorted.slice(0, topTags)) out[F.hashtag(unKeyPart(field))] = n;
  const cut = Math.max(dropped, sorted[topTags]?.[1] ?? 0);
  if (cut > 0) out[TAG_CUT] = cut;
  return out;
}

function sortedEntries(counts: Readonly<Record<string, number>>): Array<[string, number]> {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/**
 * Keeps only the `topTags` largest `tag:` fields of summed units, and raises
 * {@link TAG_CUT} (already the sum of the units' own) by the largest count dropped.
 */
export function pruneHashtags(counters: Readonly<Record<string, number>>, topTags = SEALED_TOP_HASHTAGS): Record<string, number> {
  const out: Record<string, number> = {};
  const tags: Record<string, number> = {};
  for (const [f, n] of Object.entries(counters)) {
    if (f.startsWith('tag:')) tags[f] = n;
    else out[f] = n;
  }
  const sorted = sortedEntries(tags);
  for (const [f, n] of sorted.slice(0, topTags)) out[f] = n;
  const cut = (out[TAG_CUT] ?? 0) + (sorted[topTags]?.[1] ?? 0);
  if (cut > 0) out[TAG_CUT] = cut;
  return out;
}

/** Sums counter records. */
export function sumCounters(records: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const f in r) out[f] = (out[f] ?? 0) + r[f]!;
  return out;
}

/**
 * The fields a comparison with the previous period needs: volume by every dimension,
 * hours, hashtags, campaigns and topics. The rest (durations, SLA, agents, approvals…)
 * is only read for the period asked about.
 */
const VOLUME = /^(cases$|tagcut$|hour:|net:|src:|grp:|sentiment:|intent:|prio:|tag:|camp:|topic:)/;
export const isVolumeField = (field: string): boolean => VOLUME.test(field);

/** Splits counters into the volume part and the work part. */
export function splitCounters(counters: Readonly<Record<string, number>>): { volume: Record<string, number>; work: Record<string, number> } {
  const volume: Record<string, number> = {};
  const work: Record<string, number> = {};
  for (const f in counters) (isVolumeField(f) ? volume : work)[f] = counters[f]!;
  return { volume, work };
}
