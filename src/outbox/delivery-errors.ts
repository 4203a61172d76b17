/** The receiving API asked us to slow down; retry after the given delay. */
export class DeliveryRateLimitedError extends Error {
  readonly code = 'DELIVERY_RATE_LIMITED';
  constructor(readonly retryAfterMs: number, message = `rate limited; retry in ${retryAfterMs} ms`, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryRateLimitedError';
  }
}

/** Retrying will not help (channel not found, not in channel, bad request). */
export class DeliveryPermanentError extends Error {
  readonly code = 'DELIVERY_PERMANENT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryPermanentError';
  }
}

/** A delivery took longer than the outbox allows; it is retried, checking first whether it landed. */
export class DeliveryTimeoutError extends Error {
  readonly code = 'DELIVERY_TIMEOUT';
  constructor(readonly timeoutMs: number, kind: string) {
    super(`${kind} delivery took longer than ${timeoutMs} ms`);
    this.name = 'DeliveryTimeoutError';
  }
}
