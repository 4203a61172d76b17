/**
 * The outbox's errors. "Slow down" and "no" are the remote's answers, not the outbox's, so
 * they live in the domain (remote-errors) where chat and network adapters raise them; the
 * old names stay for the code and tests that read them here.
 */
export { RemoteRateLimitedError as DeliveryRateLimitedError, RemoteRefusedError as DeliveryPermanentError } from '../domain/remote-errors.js';

/** A delivery took longer than the outbox allows; it is retried, checking first whether it landed. */
export class DeliveryTimeoutError extends Error {
  readonly code = 'DELIVERY_TIMEOUT';
  constructor(readonly timeoutMs: number, kind: string) {
    super(`${kind} delivery took longer than ${timeoutMs} ms`);
    this.name = 'DeliveryTimeoutError';
  }
}

/** `work`, or a {@link DeliveryTimeoutError} once it has run longer than `timeoutMs`. */
export function withDeliveryTimeout(work: Promise<void>, timeoutMs: number, kind: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryTimeoutError(timeoutMs, kind)), timeoutMs);
  });
  // A late failure of an abandoned attempt must not become an unhandled rejection.
  work.catch(() => undefined);
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
