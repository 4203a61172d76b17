/**
 * A caller passed something the Store cannot hold the same way on every backend
 * (a namespace that is not a safe identifier, a negative TTL, a fractional counter
 * step…). Raised before anything is written, so a bad call never half-applies.
 */
export class StoreInputError extends Error {
  readonly code = 'STORE_INPUT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}
