import { describe, expect, it } from 'vitest';
import { BlueskyCursorSchema } from '../../src/sources/bluesky/bluesky-source.js';
import { MastodonCursorSchema } from '../../src/sources/mastodon/mastodon-source.js';
import { RedditCursorSchema } from '../../src/sources/reddit/reddit-source.js';
import { RssCursorSchema } from '../../src/sources/rss/rss-source.js';
import { CursorUnreadableError, parseCursor, readCursor } from '../../src/sources/source-cursor.js';
import { TwitterCursorSchema } from '../../src/sources/twitter/twitter-source.js';

const POST_TEXT = 'my booking ref is QX7 and I am furious';

describe('parseCursor', () => {
  it('reads what each source writes, and nothing stored as no cursor', () => {
    expect(parseCursor(TwitterCursorSchema, JSON.stringify({ acme: { since: '1790000000000000000' } }), 'x')).toEqual({ acme: { since: '1790000000000000000' } });
    expect(parseCursor(TwitterCursorSchema, JSON.stringify({ acme: { floorAt: 5 } }), 'x')).toEqual({ acme: { floorAt: 5 } });
    expect(parseCursor(BlueskyCursorSchema, JSON.stringify({ q: { acme: { hw: '17', seen: { 'at://a': '17' } } } }), 'b')).toBeTruthy();
    expect(parseCursor(MastodonCursorSchema, JSON.stringify({ q: { '#a': { floorAt: 1, gap: { until: '9', newest: '12', resume: '8' } } } }), 'm')).toBeTruthy();
    expect(parseCursor(RedditCursorSchema, JSON.stringify({ s: { 'r/a/new': { hw: '99' } } }), 'r')).toBeTruthy();
    expect(parseCursor(RssCursorSchema, JSON.stringify({ f: { 'https://f.example/rss': { hw: 1, seen: { a: 1 }, etag: '"x"' } } }), 'w')).toBeTruthy();
    expect(parseCursor(TwitterCursorSchema, undefined, 'x')).toBeUndefined();
    expect(parseCursor(TwitterCursorSchema, '', 'x')).toBeUndefined();
  });

  it.each([
    ['not JSON', `{"acme": "${POST_TEXT}`, /not JSON/],
    ['a wrong type', JSON.stringify({ acme: { since: POST_TEXT } }), /acme\.since: expected a post id/],
    ['an unknown key', JSON.stringify({ acme: { text: POST_TEXT } }), /not the shape/],
    ['an array', JSON.stringify([POST_TEXT]), /not the shape/],
  ])('raises CursorUnreadableError for %s, quoting none of it', (_kind, raw, problem) => {
    let error: unknown;
    try { parseCursor(TwitterCursorSchema, raw, 'x-acme'); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(CursorUnreadableError);
    const e = error as CursorUnreadableError;
    expect(e.code).toBe('CURSOR_UNREADABLE');
    expect(e.source).toBe('x-acme');
    expect(e.problem).toMatch(problem);
    expect(e.message).toContain('source "x-acme"');
    expect(`${e.message} ${e.problem}`).not.toContain('furious');
  });

  it('raises for a value the store holds that is not text', () => {
    expect(() => parseCursor(RssCursorSchema, { f: {} }, 'web')).toThrow(/stored as object/);
  });

  it('readCursor turns the error into the report a poll carries, with where listening resumes', () => {
    expect(readCursor(RedditCursorSchema, '{', 'r', Date.UTC(2026, 0, 1))).toEqual({
      cursor: undefined,
      unreadable: { code: 'CURSOR_UNREADABLE', problem: 'not JSON (1 character)', resumedFrom: '2026-01-01T00:00:00.000Z' },
    });
    expect(readCursor(RedditCursorSchema, '{"s":{}}', 'r', 0)).toEqual({ cursor: { s: {} } });
  });
});
