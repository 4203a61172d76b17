import type { StreamEnd } from '../sources/mention-stream.js';

/**
 * The waits before reconnecting a stream, as X documents them (and used for every
 * network): a connection that was up and dropped is retried at once; network errors and
 * stalls wait `networkStepMs` more per try up to `networkMaxMs`; HTTP errors double from
 * `httpBaseMs` up to `httpMaxMs`; 429 doubles from `rateBaseMs` (or waits what the
 * network asked for, if longer); a refusal (credentials, access tier) waits `refusedMs`.
 */
export interface StreamBackoff {
  networkStepMs: number;
  networkMaxMs: number;
  httpBaseMs: number;
  httpMaxMs: number;
  rateBaseMs: number;
  rateMaxMs: number;
  refusedMs: number;
}

export const DEFAULT_STREAM_BACKOFF: StreamBackoff = {
  networkStepMs: 250,
  networkMaxMs: 16_000,
  httpBaseMs: 5_000,
  httpMaxMs: 320_000,
  rateBaseMs: 60_000,
  rateMaxMs: 960_000,
  refusedMs: 900_000,
};

/**
 * The wait before the next connection. `failures` counts the attempts that failed in a
 * row before this one (0: the first failure after a connection that was up).
 */
export function reconnectDelay(end: StreamEnd, failures: number, wasUp: boolean, b: StreamBackoff = DEFAULT_STREAM_BACKOFF): number {
  const doubling = (base: number, max: number) => Math.min(max, base * 2 ** Math.min(failures, 20));
  switch (end.kind) {
    case 'closed':
      return 0;
    case 'network':
    case 'stalled':
      // A connection that was up and dropped: reconnect at once (X's advice), then linear.
      return wasUp && failures === 0 ? 0 : Math.min(b.networkMaxMs, b.networkStepMs * (failures + 1));
    case 'http':
      return doubling(b.httpBaseMs, b.httpMaxMs);
    case 'rate-limited':
      return Math.max(end.retryAfterMs ?? 0, doubling(b.rateBaseMs, b.rateMaxMs));
    case 'refused':
      return b.refusedMs;
  }
}
