/**
 * What a remote service (a chat platform or a social network) can answer when we ask it to
 * do something: slow down, no, or not now. The outbox decides what to do next from these
 * alone, so every adapter that talks to a remote raises them and none needs to know the
 * outbox. Each `code` is stable: the server's ops alerts and the listen job key on it, and
 * it kept its value when these classes moved here from the outbox.
 */

/** The remote asked us to slow down; retry after the given delay. */
export class RemoteRateLimitedError extends Error {
  readonly code = 'DELIVERY_RATE_LIMITED';
  constructor(readonly retryAfterMs: number, message = `rate limited; retry in ${retryAfterMs} ms`, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemoteRateLimitedError';
  }
}

/** Retrying will not help (channel not found, bad credentials, a refused request). */
export class RemoteRefusedError extends Error {
  readonly code = 'DELIVERY_PERMANENT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemoteRefusedError';
  }
}

/** The remote could not be reached, timed out, or failed on its side; try again later. */
export class RemoteUnavailableError extends Error {
  readonly code = 'SOURCE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemoteUnavailableError';
  }
}
