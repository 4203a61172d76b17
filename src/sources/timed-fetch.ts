/**
 * `fetch` with a deadline. A network that stops answering must fail the tick (and be
 * reported) rather than hold the listening job until bree kills its worker.
 */
export function timedFetch(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return fetch(input, { ...init, signal });
  };
}

/** Is this what fetch throws when the network is down, the host unknown or the deadline passed? */
export function isNetworkFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return e.name === 'TimeoutError' || e.name === 'AbortError' || (e instanceof TypeError && /fetch failed|network|socket|ECONN|ENOTFOUND/i.test(`${e.message} ${String((e as { cause?: unknown }).cause ?? '')}`));
}

/** Seconds-or-date Retry-After (RFC 9110 §10.2.3) in ms, or undefined. */
export function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
