import { ConfigSchema, type Config, type ConfigInput } from '../../src/config/schema.js';
import type { Mention } from '../../src/domain/mention.js';

/** Routing groups every screening test config has. */
export const GROUPS = ['general', 'baggage', 'delays', 'vip-desk', 'legal'];

/** A valid config with the given rules and overrides (groups above, fallback "general"). */
export function configWith(rules: NonNullable<ConfigInput['routing']>['rules'] = [], extra: Partial<ConfigInput> = {}): Config {
  return ConfigSchema.parse({
    brand: { name: 'Acme Air', handles: { x: ['AcmeAir'], bluesky: ['acmeair.bsky.social'] }, publicNumberPatterns: [String.raw`\bAC\s?\d{1,4}\b`, String.raw`\bORD-\d{8}\b`] },
    sources: [{ name: 'x-main', network: 'x', queries: ['@AcmeAir'] }],
    groups: GROUPS.map((id, i) => ({ id, slack: { channel: `C0TEST${i}` } })),
    routing: { fallback: 'general', rules },
    ...extra,
  });
}

/** A mention with sensible defaults; override any field. */
export function mention(text: string, over: Partial<Omit<Mention, 'author'>> & { author?: Partial<Mention['author']> } = {}): Mention {
  const { author, ...rest } = over;
  return {
    network: 'x',
    source: 'x-main',
    id: '1',
    text,
    createdAt: '2025-03-04T10:00:00Z',
    url: 'https://x.com/someone/status/1',
    isRepost: false,
    isQuote: false,
    ...rest,
    author: { id: 'u1', handle: 'traveller', name: 'A Traveller', followers: 120, verified: false, ...author },
  };
}

/** A Tuesday, 10:00 in London (UTC in March). */
export const NOW = '2025-03-04T10:00:00Z';
