import { F } from './rollup-keys.js';

/** One day of the series the charts draw. */
export interface DailyFigures {
  day: string;
  cases: number;
  negative: number;
  neutral: number;
  positive: number;
  unknown: number;
  replies: number;
}

/** A day's series figures from its counters. */
export function dailyFigures(day: string, c: Readonly<Record<string, number>>): DailyFigures {
  const s = (x: string) => c[F.sentiment(x)] ?? 0;
  return { day, cases: c[F.cases] ?? 0, negative: s('negative'), neutral: s('neutral'), positive: s('positive'), unknown: s('unknown'), replies: c[F.replies] ?? 0 };
}

export const emptyDay = (day: string): DailyFigures => dailyFigures(day, {});
