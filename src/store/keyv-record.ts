import { createHash } from 'node:crypto';
import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';

/** What Keyv stores per key: the value and, when it has a TTL, the epoch ms it expires at. */
export interface KeyvRecordData {
  value: unknown;
  expires?: number;
}

/**
 * The exact text Keyv 5 writes for a key (`{"value":…,"expires":…}` through
 * @keyv/serialize), so rows written by the atomic operations are read back by a
 * plain Keyv on the same table or key space, and the other way round.
 */
export const keyvRecord = {
  encode(value: unknown, expires: number | undefined): string {
    return defaultSerialize({ value, expires });
  },

  decode(raw: string): KeyvRecordData {
    const data = defaultDeserialize(raw) as { value?: unknown; expires?: unknown } | null;
    return {
      value: data?.value,
      ...(typeof data?.expires === 'number' ? { expires: data.expires } : {}),
    };
  },

  /** Keyv's own rule (`Date.now() > expires`), so both sides agree on what is expired. */
  isExpired(data: KeyvRecordData, now: number): boolean {
    return typeof data.expires === 'number' && now > data.expires;
  },

  /**
   * The compare-and-set token for a stored text: a digest, so tokens stay short
   * whatever the size of the value. Two writes of identical text share a token,
   * which is what "unchanged since it was read" means here.
   */
  token(raw: string): string {
    return createHash('sha256').update(raw).digest('base64url');
  },
};
