/**
 * How much of `from` was changed to make `to`: the Levenshtein distance over characters
 * divided by the longer length, so 0 is untouched and 1 is rewritten. Line endings and
 * the ends' white space do not count. Texts are cut at 4000 characters (replies are far
 * shorter) to bound the work. Pure.
 */
export function editRatio(from: string, to: string): number {
  const a = [...norm(from)].slice(0, 4000);
  const b = [...norm(to)].slice(0, 4000);
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return Math.round((prev[b.length]! / longer) * 1000) / 1000;
}

const norm = (s: string) => s.replace(/\r\n?/g, '\n').trim();
