import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeSlack } from './fake-slack.js';

/**
 * Slack user groups (subteams) in front of the fake Slack: answers `usergroups.users.list`
 * as Slack does (docs.slack.dev/reference/methods/usergroups.users.list: `{ok, users}`, or
 * `no_such_subteam` for an unknown id, `not_authed` without a token) and passes every
 * other Web API call through to the fake Slack unchanged. Point the bot's SLACK_API_URL at
 * `url`.
 */
export interface FakeUserGroups {
  /** `http://127.0.0.1:<port>/api/`, like {@link FakeSlack.url}. */
  url: string;
  /** The user group ids asked for, in order. */
  asked: string[];
  close(): Promise<void>;
}

const json = (res: http.ServerResponse, body: unknown): void => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
};

/** Reads the arguments of a Web API call: form-encoded (the SDK's default) or JSON. */
function argsOf(body: string, contentType: string | undefined): Record<string, string> {
  if (contentType?.includes('application/json')) return JSON.parse(body || '{}') as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(body));
}

export async function startFakeUserGroups(slack: FakeSlack, groups: Record<string, string[]>): Promise<FakeUserGroups> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const path = req.url ?? '/';
        if (path.startsWith('/api/usergroups.users.list')) {
          const args = { ...Object.fromEntries(new URL(path, 'http://x').searchParams), ...argsOf(body.toString('utf8'), req.headers['content-type']) };
          if (!req.headers.authorization && !args.token) return json(res, { ok: false, error: 'not_authed' });
          asked.push(args.usergroup ?? '');
          const users = groups[args.usergroup ?? ''];
          return json(res, users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' });
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
        const r = await fetch(`${slack.origin}${path}`, { method: req.method ?? 'POST', headers, ...(body.length > 0 ? { body } : {}) });
        const out: Record<string, string> = {};
        r.headers.forEach((v, k) => { if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'content-encoding') out[k] = v; });
        res.writeHead(r.status, out);
        res.end(Buffer.from(await r.arrayBuffer()));
      })().catch((e: unknown) => {
        res.writeHead(500);
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    asked,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
