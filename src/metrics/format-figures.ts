/**
 * Figures as people read them: durations, counts, percentages and plurals. Shared by the
 * summary layout and its text rendering. Pure.
 */

/** <1s, 45s, 12m 30s, 3h 05m, 2d 4h. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 1) return '<1s';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86_400) {
    const m = Math.round(s / 60);
    return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
  }
  const h = Math.round(s / 3600);
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** 1,234 or 1.2M. */
export function formatNumber(n: number): string {
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e5) return `${Math.round(n / 1e3)}k`;
  return Math.round(n).toLocaleString('en-US');
}

/** 0.75 → "75.0%", 1 → "100%" (one decimal, for the detailed breakdowns). */
export const formatPercent = (x: number | undefined): string =>
  x === undefined ? '–' : `${(x * 100).toFixed(x >= 0.9995 || x === 0 ? 0 : 1)}%`;

/**
 * A share in whole percent for the headline. Never rounds up to 100% or down to 0% when
 * that would hide the last few breaches or the first few hits.
 */
export function wholePercent(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (x >= 1) return '100%';
  if (x <= 0) return '0%';
  return `${Math.min(99, Math.max(1, Math.round(x * 100)))}%`;
}

/** "1 case", "3 cases", "1,200 replies": the count with the right form of the noun. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatNumber(n)} ${Math.round(n) === 1 ? one : many}`;
}

/**
 * A duration for the headline, no finer than people read it: "under a minute", "12 min", "3h 05m",
 * "2d 4h". Seconds past the first minute would be false precision (the histograms are
 * within a few percent).
 */
export function roughDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 60) return 'under a minute';
  if (seconds < 3600) return `${Math.min(59, Math.round(seconds / 60))} min`;
  return formatDuration(seconds);
}
