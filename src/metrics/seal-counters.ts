import { F, unKeyPart } from './rollup-keys.js';

/** How many hashtags a sealed unit keeps. */
export const SEALED_TOP_HASHTAGS = 100;

/**
 * A day's counters as one record: the day hash as it is, plus its `topTags` most used
 * hashtags as `tag:<tag>` fields. `tags` maps the tags hash's fields (encoded tags) to
 * counts, or comes from the rank set.
 */
export function sealCounters(
  main: Readonly<Record<string, number>>,
  tags: Readonly<Record<string, number>>,
  topTags = SEALED_TOP_HASHTAGS,
): Record<string, number> {
  const out: Record<string, number> = { ...main };
  for (const [field, n] of topEntries(tags, topTags)) out[F.hashtag(unKeyPart(field))] = n;
  return out;
}

function topEntries(counts: Readonly<Record<string, number>>, k: number): Array<[string, number]> {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k);
}

/**
 * Keeps only the `topTags` largest `tag:` fields. The hashtags dropped are each used less
 * than every one kept in that unit, so a period's top hashtags stay right unless a tag is
 * just below the cut in many units; its total is then under-counted.
 */
export function pruneHashtags(counters: Readonly<Record<string, number>>, topTags = SEALED_TOP_HASHTAGS): Record<string, number> {
  const out: Record<string, number> = {};
  const tags: Record<string, number> = {};
  for (const [f, n] of Object.entries(counters)) {
    if (f.startsWith('tag:')) tags[f] = n;
    else out[f] = n;
  }
  for (const [f, n] of topEntries(tags, topTags)) out[f] = n;
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
const VOLUME = /^(cases$|hour:|net:|src:|grp:|sentiment:|intent:|prio:|tag:|camp:|topic:)/;
export const isVolumeField = (field: string): boolean => VOLUME.test(field);

/** Splits counters into the volume part and the work part. */
export function splitCounters(counters: Readonly<Record<string, number>>): { volume: Record<string, number>; work: Record<string, number> } {
  const volume: Record<string, number> = {};
  const work: Record<string, number> = {};
  for (const f in counters) (isVolumeField(f) ? volume : work)[f] = counters[f]!;
  return { volume, work };
}
