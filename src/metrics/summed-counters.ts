import type { CounterBlock } from './metrics-summary.js';
import { unKeyPart } from './rollup-keys.js';

/** Counters summed over blocks, indexed by the part of each field name before the first `:`. */
export class Summed {
  readonly all = new Map<string, number>();
  private readonly index = new Map<string, Array<[rest: string, n: number]>>();

  constructor(blocks: readonly CounterBlock[]) {
    for (const b of blocks) {
      const c = b.counters;
      for (const f in c) {
        const v = c[f]!;
        if (Number.isFinite(v)) this.all.set(f, (this.all.get(f) ?? 0) + v);
      }
    }
    for (const [f, n] of this.all) {
      const i = f.indexOf(':');
      if (i < 0) continue;
      const head = f.slice(0, i);
      let list = this.index.get(head);
      if (!list) this.index.set(head, (list = []));
      list.push([f.slice(i + 1), n]);
    }
  }

  get(f: string): number {
    return this.all.get(f) ?? 0;
  }

  private readonly memo = new Map<string, Map<string, number>>();

  /** All fields under a prefix such as `src:` or `sla:met:`, keyed by the rest (decoded unless `raw`). */
  byPrefix(prefix: string, raw = false): Map<string, number> {
    const key = raw ? `raw\u0000${prefix}` : prefix;
    let out = this.memo.get(key);
    if (!out) this.memo.set(key, (out = this.collect(prefix, raw)));
    return out;
  }

  private collect(prefix: string, raw: boolean): Map<string, number> {
    const i = prefix.indexOf(':');
    const sub = prefix.slice(i + 1);
    const out = new Map<string, number>();
    for (const [rest, n] of this.index.get(prefix.slice(0, i)) ?? []) {
      if (!rest.startsWith(sub)) continue;
      const k = raw ? rest.slice(sub.length) : unKeyPart(rest.slice(sub.length));
      out.set(k, (out.get(k) ?? 0) + n);
    }
    return out;
  }
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;
/** Code-point order: stable across locales, and far cheaper than localeCompare in sorts. */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
