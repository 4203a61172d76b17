import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { parseEnv } from '../../src/config/load-config.js';
import { createSource, SourceConfigError } from '../../src/sources/create-sources.js';

const base = {
  brand: { name: 'Acme', handles: { x: ['acme'] } },
  groups: [{ id: 'care', slack: { channel: 'C0CARE0001' } }],
  routing: { fallback: 'care' },
};

function build(source: Record<string, unknown>, env: Record<string, string>) {
  const config = ConfigSchema.parse({ ...base, sources: [source] });
  return createSource(config.sources[0]!, config, parseEnv(env));
}

describe('which sources have private messages', () => {
  it('Reddit and web feeds have none: their cases stay public', () => {
    const reddit = build({ name: 'r', network: 'reddit', queries: ['acme'], options: { subreddits: ['acme'] } }, {
      REDDIT_CLIENT_ID: 'id', REDDIT_CLIENT_SECRET: 's', REDDIT_USERNAME: 'u', REDDIT_PASSWORD: 'p',
    });
    expect(reddit.private).toBeUndefined();
    const rss = build({ name: 'w', network: 'rss', queries: ['acme'], options: { feeds: ['https://forum.example/feed'] } }, {});
    expect(rss.private).toBeUndefined();
  });

  it('asking Reddit for private messages is a configuration error naming the option', () => {
    let err: unknown;
    try {
      build({ name: 'r', network: 'reddit', queries: ['acme'], options: { subreddits: ['acme'], private: true } }, {
        REDDIT_CLIENT_ID: 'id', REDDIT_CLIENT_SECRET: 's', REDDIT_USERNAME: 'u', REDDIT_PASSWORD: 'p',
      });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SourceConfigError);
    expect((err as SourceConfigError).problems[0]!.path).toBe('sources[0].options.private');
  });

  it('a bad re-check interval is refused with its path', () => {
    let err: unknown;
    try {
      build({ name: 'x', network: 'x', queries: ['acme'], options: { private: true, privateRecheck: 'soon' } }, { X_BEARER_TOKEN: 'b' });
    } catch (e) { err = e; }
    expect((err as SourceConfigError).problems).toEqual([{ path: 'sources[0].options.privateRecheck', message: '"soon" is not a duration (like 30s, 5m or 2h)' }]);
  });
});
