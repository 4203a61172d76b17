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
