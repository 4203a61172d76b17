/**
 * Errors every network adapter raises, so the listen job, the outbox and the ops channel
 * treat X, Bluesky, Mastodon, Reddit and feeds alike. The first three are the domain's
 * remote errors under the names the adapters have always used:
 * - `DeliveryRateLimitedError` (domain `RemoteRateLimitedError`): the network asked us to wait;
 * - `DeliveryPermanentError` (domain `RemoteRefusedError`): retrying will not help (bad
 *   credentials, a refused request); for credentials the message names the environment
 *   variable to fix;
 * - `SourceUnavailableError` (domain `RemoteUnavailableError`): the network could not be
 *   reached or answered 5xx; the next tick retries.
 */
export {
  RemoteRateLimitedError as DeliveryRateLimitedError,
  RemoteRefusedError as DeliveryPermanentError,
  RemoteUnavailableError as SourceUnavailableError,
} from '../domain/remote-errors.js';

/** One problem with a source's configuration, named by its path in the config file. */
export interface SourceConfigProblem {
  /** e.g. `sources[2].options.feeds`. */
  path: string;
  message: string;
  hint?: string;
}

/** A source cannot be built from its configuration and environment. */
export class SourceConfigError extends Error {
  readonly code = 'SOURCE_CONFIG';
  readonly problems: SourceConfigProblem[];
  constructor(problems: SourceConfigProblem[] | string) {
    const list = typeof problems === 'string' ? [{ path: '', message: problems }] : problems;
    super(list.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}${p.hint ? ` (${p.hint})` : ''}`).join('\n'));
    this.name = 'SourceConfigError';
    this.problems = list;
  }
}
