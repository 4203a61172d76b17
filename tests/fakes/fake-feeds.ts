/**
 * Fake feed sites on 127.0.0.1: RSS 2.0 (RSS Advisory Board spec, with `dc:creator`) and
 * Atom (RFC 4287) documents at `/feeds/<name>`, newest item first, holding only the latest
 * `window` items as real feeds do. Answers carry `ETag` and `Last-Modified` and honour
 * `If-None-Match` / `If-Modified-Since` with 304. A feed can be made to answer any status
 * ({@link FakeFeeds.setStatus}) or a body that is not a feed ({@link FakeFeeds.setBody}).
 * Route keys for faults: `GET /feeds/<name>`.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flatHeaders, listenFake } from './fake-http.js';
import { type Fault, type FaultWriters, Misbehaviour } from './misbehave.js';

export interface FeedItemInput {
  title: string;
  /** The item's page. Default: a page on the feed's site. */
  link?: string;
  description?: string;
  author?: string;
  /** ISO date, or null for an undated item. Default: now. */
  date?: string | null;
  guid?: string;
}

interface Feed { format: 'rss' | 'atom'; title: string; link: string; items: Array<Required<Omit<FeedItemInput, 'date'>> & { date: string | null }>; window: number; status?: number; body?: string; modified: number }

export interface FeedCall { path: string; headers: Record<string, string>; status: number; fault?: Fault }

export interface FakeFeeds {
  origin: string;
  /** The address of a feed. */
  url(name: string): string;
  addFeed(name: string, init?: { format?: 'rss' | 'atom'; title?: string; link?: string; window?: number }): void;
  addItem(name: string, item: FeedItemInput): { link: string; guid: string };
  setStatus(name: string, status: number | undefined): void;
  setBody(name: string, body: string | undefined): void;
  calls: FeedCall[];
  callsTo(name: string): FeedCall[];
  faults: Misbehaviour;
  internalErrors: Error[];
  close(): Promise<void>;
}

const x = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function render(f: Feed): string {
  const items = f.items.slice(0, f.window);
  if (f.format === 'atom') {
    const updated = new Date(f.modified).toISOString();
    return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>${x(f.title)}</title>
  <link href="${x(f.link)}"/>
  <updated>${updated}</updated>
  <id>${x(f.link)}</id>
${items.map((i) => `  <entry>
    <title>${x(i.title)}</title>
    <link href="${x(i.link)}"/>
    <id>${x(i.guid)}</id>
${i.date ? `    <published>${i.date}</published>\n    <updated>${i.date}</updated>\n` : ''}    <author><name>${x(i.author)}</name></author>
    <summary>${x(i.description)}</summary>
  </entry>`).join('\n')}
</feed>
`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>${x(f.title)}</title>
    <link>${x(f.link)}</link>
    <description>${x(f.title)}</description>
    <language>en</language>
    <lastBuildDate>${new Date(f.modified).toUTCString()}</lastBuildDate>
${items.map((i) => `    <item>
      <title>${x(i.title)}</title>
      <link>${x(i.link)}</link>
      <guid isPermaLink="false">${x(i.guid)}</guid>
${i.date ? `      <pubDate>${new Date(i.date).toUTCString()}</pubDate>\n` : ''}      <dc:creator>${x(i.author)}</dc:creator>
      <description><![CDATA[<p>${i.description}</p>]]></description>
    </item>`).join('\n')}
  </channel>
</rss>
`;
}

export async function startFakeFeeds(opts: { now?: () => number } = {}): Promise<FakeFeeds> {
  const now = opts.now ?? Date.now;
  const faults = new Misbehaviour();
  const feeds = new Map<string, Feed>();
  const calls: FeedCall[] = [];
  let seq = 0;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const name = /^\/feeds\/([^/]+)$/.exec(url.pathname)?.[1];
    const feed = name ? feeds.get(name) : undefined;
    const call: FeedCall = { path: url.pathname, headers: flatHeaders(req), status: 0 };
    calls.push(call);
    const answer = (status: number, headers: Record<string, string>, body?: string) => {
      call.status = status;
      res.writeHead(status, headers);
      res.end(body);
    };
    const writers: FaultWriters = {
      tooManyRequests: (w, retryAfter) => { call.status = 429; w.writeHead(429, { 'retry-after': String(retryAfter), 'content-type': 'text/plain' }); w.end('Too Many Requests'); },
      serverError: (w, status) => { call.status = status; w.writeHead(status, { 'content-type': 'text/html' }); w.end('<html><body>Bad gateway</body></html>'); },
    };
    const fault = faults.decide(`GET ${url.pathname}`);
    if (fault) call.fault = fault;
    if ((await faults.apply(fault, req, res, writers)) === 'answered') return;
    if (!feed) return answer(404, { 'content-type': 'text/html' }, '<html><body>Not Found</body></html>');
    if (feed.status) return answer(feed.status, { 'content-type': 'text/html' }, `<html><body>${feed.status}</body></html>`);
    if (feed.body !== undefined) return answer(200, { 'content-type': 'text/html; charset=utf-8' }, feed.body);
    const body = render(feed);
    const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
    const modified = new Date(Math.floor(feed.modified / 1000) * 1000).toUTCString();
    const headers = { etag, 'last-modified': modified, 'content-type': feed.format === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8' };
    if (req.headers['if-none-match'] === etag) return answer(304, { etag, 'last-modified': modified });
    if (!req.headers['if-none-match'] && req.headers['if-modified-since'] && Date.parse(req.headers['if-modified-since']) >= Math.floor(feed.modified / 1000) * 1000) return answer(304, { etag, 'last-modified': modified });
    return answer(200, headers, body);
  };

  const http = await listenFake(handler, faults);
  return {
    origin: http.origin,
    url: (name) => `${http.origin}/feeds/${name}`,
    addFeed(name, init = {}) {
      feeds.set(name, { format: init.format ?? 'rss', title: init.title ?? `${name} feed`, link: init.link ?? `https://${name}.example/`, items: [], window: init.window ?? 20, modified: now() });
    },
    addItem(name, item) {
      const f = feeds.get(name);
      if (!f) throw new Error(`no feed ${name}`);
      const n = ++seq;
      const link = item.link ?? `${f.link}posts/${n}`;
      const guid = item.guid ?? `${f.link}?p=${n}`;
      f.items.unshift({ title: item.title, link, description: item.description ?? '', author: item.author ?? 'A. Reader', date: item.date === undefined ? new Date(now()).toISOString() : item.date, guid });
      f.modified = now();
      return { link, guid };
    },
    setStatus(name, status) { const f = feeds.get(name)!; if (status === undefined) delete f.status; else f.status = status; },
    setBody(name, body) { const f = feeds.get(name)!; if (body === undefined) delete f.body; else f.body = body; },
    calls,
    callsTo: (name) => calls.filter((c) => c.path === `/feeds/${name}`),
    faults,
    internalErrors: http.internalErrors,
    close: () => http.close(),
  };
}
