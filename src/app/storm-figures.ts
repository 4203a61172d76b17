import type { Case } from '../domain/case.js';
import type { StormFigures } from '../cards/build-storm-card.js';
import type { StormMemberCases } from './storm-deliveries.js';
import type { StormRepository } from './storm-repository.js';

/**
 * The figures a storm card shows: the count, sentiment and outcomes counted as members
 * joined and were answered, the widest-reach authors and a few samples.
 */
export async function stormFigures(repo: StormRepository, cases: StormMemberCases, stormId: string): Promise<StormFigures> {
  const [count, { stats, top, last }] = await Promise.all([repo.count(stormId), repo.figures(stormId)]);
  const members = (await Promise.all(top.map((id) => cases.get(id)))).filter((c): c is Case => !!c);
  const authors = new Map<string, StormFigures['topAuthors'][number]>();
  for (const c of members) {
    const a = c.mention.author;
    if (!authors.has(`${c.mention.network}:${a.id}`)) authors.set(`${c.mention.network}:${a.id}`, { name: a.name, handle: a.handle, followers: a.followers, verified: a.verified });
  }
  return {
    count,
    sentiment: { negative: stats.negative ?? 0, neutral: stats.neutral ?? 0, positive: stats.positive ?? 0 },
    foldedHighPriority: stats.foldedHigh ?? 0,
    replied: stats.replied ?? 0,
    queued: stats.queued ?? 0,
    skipped: stats.skipped ?? 0,
    topAuthors: [...authors.values()],
    samples: members.slice(0, 3).map((c) => ({ author: c.mention.author.name, handle: c.mention.author.handle, followers: c.mention.author.followers, text: c.mention.text })),
    lastAt: last,
  };
}
