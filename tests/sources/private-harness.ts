/**
 * Builds a source with private messages on, the way the listening job builds it
 * (createSource with the config, the environment, a store-like cache and a warning sink).
 */
import { ConfigSchema, type ConfigInput } from '../../src/config/schema.js';
import { parseEnv } from '../../src/config/load-config.js';
import type { MentionSource, SourceCache } from '../../src/sources/mention-source.js';
import { createSource } from '../../src/sources/create-sources.js';
import type { PrivateMessages } from '../../src/sources/private-messages.js';

const BASE: Omit<ConfigInput, 'sources'> = {
  brand: { name: 'Acme', handles: { x: ['acme'], bluesky: ['acme.bsky.social'], mastodon: ['acme'] } },
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
  routing: { fallback: 'care' },
};

export interface PrivateBuild {
  /** A fresh adapter (a new worker), sharing the cache. */
  source(): MentionSource;
  /** Its private messages (throws if the source has none). */
  dms(): PrivateMessages;
  warnings: Array<{ fields: Record<string, unknown>; message: string }>;
  cache: Map<string, unknown>;
}

export function buildPrivate(source: ConfigInput['sources'][number], env: Record<string, string>, now?: () => number): PrivateBuild {
  const config = ConfigSchema.parse({ ...BASE, sources: [source] });
  const parsedEnv = parseEnv(env);
  const m = new Map<string, unknown>();
  const cache: SourceCache = { get: async <T>(k: string) => m.get(k) as T | undefined, set: async (k, v) => { m.set(k, v); }, delete: async (k) => { m.delete(k); } };
  const warnings: PrivateBuild['warnings'] = [];
  const build = () => createSource(config.sources[0]!, config, parsedEnv, { cache, warn: (fields, message) => { warnings.push({ fields, message }); }, ...(now ? { now } : {}) });
  return {
    source: build,
    dms: () => {
      const p = build().private;
      if (!p) throw new Error('the source has no private messages');
      return p;
    },
    warnings,
    cache: m,
  };
}
