import { describe, expect, it } from 'vitest';
import { pollWindow, type WindowBounds, type WindowPage, type WindowState } from '../../src/sources/poll-window.js';

interface Item { id: string; key: number; at: number; own?: boolean }

/** An in-memory newest-first listing with a page size, optionally filtering bounds itself. */
function listing(pageSize: number, serverBounds: boolean) {
  const items: Item[] = [];
  let calls = 0;
  const fetchPage = async (b: WindowBounds, token: string | undefined): Promise<WindowPage<Item>> => {
    calls += 1;
    const sorted = [...items].sort((a, b2) => b2.key - a.key || (a.id < b2.id ? 1 : -1));
    const eligible = serverBounds ? sorted.filter((i) => (b.min === undefined || BigInt(i.key) >= b.min) && (b.max === undefined || BigInt(i.key) < b.max)) : sorted;
    const start = token ? eligible.findIndex((i) => i.id === token) + 1 : 0;
    const page = eligible.slice(start, start + pageSize);
    const more = start + pageSize < eligible.length;
    return {
      items: page.map((i) => ({ id: i.id, key: BigInt(i.key), at: i.at, value: i.own ? undefined : i })),
      next: more ? page[page.length - 1]!.id : undefined,
    };
  };
  return { items, fetchPage, calls: () => calls };
}

async function drain(l: ReturnType<typeof listing>, state: WindowState | undefined, opts: { maxPages: number; overlap: number; durable: boolean; now?: number }) {
  const heard: string[] = [];
  let s = state;
  for (let i = 0; i < 50; i++) {
    // Through JSON each time, as the store keeps it.
    const r = await pollWindow({ state: s, maxPages: opts.maxPages, overlap: BigInt(opts.overlap), now: opts.now ?? 10_000, lookbackMs: 10_000, durableTokens: opts.durable, fetchPage: l.fetchPage });
    heard.push(...r.values.map((v) => v.id));
    s = JSON.parse(JSON.stringify(r.state)) as WindowState;
    if (r.values.length === 0 && !s.gap) break;
  }
  return { heard, state: s };
}

describe('pollWindow: newest-first listings heard once, none skipped', () => {
  for (const serverBounds of [true, false]) {
    for (const durable of [true, false]) {
      if (!serverBounds && !durable) continue; // a listing must bound the gap one way or the other
      it(`a burst larger than one poll is spread over polls (server bounds: ${serverBounds}, durable tokens: ${durable})`, async () => {
        const l = listing(10, serverBounds);
        for (let k = 1; k <= 95; k++) l.items.push({ id: `p${k}`, key: k, at: 5000 + k });
        const first = await drain(l, undefined, { maxPages: 2, overlap: 0, durable });
        expect(new Set(first.heard).size).toBe(first.heard.length);
        expect(first.heard.sort()).toEqual(l.items.map((i) => i.id).sort());
        // More arrive, including a second burst, while the old state is kept.
        for (let k = 96; k <= 140; k++) l.items.push({ id: `p${k}`, key: k, at: 5000 + k });
        const second = await drain(l, first.state, { maxPages: 1, overlap: 0, durable });
        expect(second.heard.sort()).toEqual(Array.from({ length: 45 }, (_, i) => `p${96 + i}`).sort());
      });
    }
  }

  it('ties on a time key are neither repeated nor skipped, and a late item inside the overlap is heard', async () => {
    // Four posts in one millisecond, pages of three: the tie straddles a page boundary.
    const l = listing(3, true);
    for (const [id, key] of [['a', 100], ['b', 100], ['c', 100], ['d', 100], ['e', 101]] as const) l.items.push({ id, key, at: key });
    const first = await drain(l, undefined, { maxPages: 2, overlap: 50, durable: false, now: 200 });
    expect(first.heard.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    // Indexed late, but with a key inside the overlap (101 - 50 < 90).
    l.items.push({ id: 'late', key: 90, at: 90 });
    l.items.push({ id: 'new', key: 120, at: 120 });
    const second = await drain(l, first.state, { maxPages: 3, overlap: 50, durable: false, now: 200 });
    expect(second.heard.sort()).toEqual(['late', 'new']);
    const third = await drain(l, second.state, { maxPages: 1, overlap: 50, durable: false, now: 200 });
    expect(third.heard).toEqual([]);
  });

  it('re-reading the overlap stops at maxPages without leaving a gap behind', async () => {
    const l = listing(2, true);
    for (let k = 1; k <= 9; k++) l.items.push({ id: `p${k}`, key: 100 + k, at: 100 + k });
    const first = await drain(l, undefined, { maxPages: 10, overlap: 50, durable: false, now: 200 });
    expect(first.heard).toHaveLength(9);
    const r = await pollWindow({ state: first.state, maxPages: 2, overlap: 50n, now: 200, lookbackMs: 1000, durableTokens: false, fetchPage: l.fetchPage });
    expect(r.values).toEqual([]);
    expect(r.state.gap).toBeUndefined();
    expect(r.state.hw).toBe('109');
  });

  it('dropped items move the cursor but are not returned', async () => {
    const l = listing(10, true);
    l.items.push({ id: 'mine', key: 5, at: 5, own: true }, { id: 'theirs', key: 4, at: 4 });
    const r = await pollWindow({ state: undefined, maxPages: 1, overlap: 0n, now: 10, lookbackMs: 100, durableTokens: false, fetchPage: l.fetchPage });
    expect(r.values.map((v) => v.id)).toEqual(['theirs']);
    expect(r.state.hw).toBe('5');
  });

  it('the first poll reaches back only the look-back, and stops paging there', async () => {
    const l = listing(2, false);
    for (let k = 1; k <= 20; k++) l.items.push({ id: `p${k}`, key: k, at: k * 1000 });
    const r = await pollWindow({ state: undefined, maxPages: 50, overlap: 0n, now: 20_000, lookbackMs: 5_500, durableTokens: true, fetchPage: l.fetchPage });
    expect(r.values.map((v) => v.id)).toEqual(['p20', 'p19', 'p18', 'p17', 'p16', 'p15']);
    expect(r.requests).toBe(4);
    expect(r.state).toEqual({ hw: '20' });
  });

  it('a damaged stored state starts afresh instead of failing', async () => {
    const l = listing(5, true);
    l.items.push({ id: 'x', key: 7, at: 7 });
    const r = await pollWindow({ state: { hw: 'garbage', gap: { until: 'x', newest: '1' } } as WindowState, maxPages: 1, overlap: 0n, now: 10, lookbackMs: 100, durableTokens: false, fetchPage: l.fetchPage });
    expect(r.values.map((v) => v.id)).toEqual(['x']);
  });
});
