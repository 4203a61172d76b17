/**
 * The direct-message part of the fake X API v2 (docs.x.com direct-messages; platform notes 2
 * §3): `GET /2/dm_events`, `GET /2/dm_conversations/with/:participant_id/dm_events` and
 * `POST /2/dm_conversations/with/:participant_id/messages`.
 *
 * - Events are `MessageCreate` DM events, newest first, paged with `pagination_token` /
 *   `meta.next_token`; `dm_event.fields`, `event_types`, `expansions=sender_id` and
 *   `user.fields` are honoured. Without `dm_event.fields` an event carries `id`,
 *   `event_type` and `text`, as X's defaults.
 * - A 1:1 conversation's id is `<smaller user id>-<larger user id>`, as X forms it.
 * - `dmAccess` models the app's access: `not-enrolled` answers every DM route with X's
 *   `client-forbidden` problem (reason `client-not-enrolled`), `no-dm-permission` with the
 *   `oauth1-permissions` problem (an app set to "Read and write" only). A user added with
 *   `acceptsDms: false` refuses DMs from the brand with a plain 403.
 */

/** One DM event as the fake keeps it (every field X can return). */
export interface XDmEvent {
  id: string;
  event_type: 'MessageCreate';
  text: string;
  sender_id: string;
  dm_conversation_id: string;
  created_at: string;
}

export type XDmAccess = 'ok' | 'not-enrolled' | 'no-dm-permission';

/** What the fake X gives the DM routes. */
export interface XDmDeps {
  meId: () => string;
  userExists: (id: string) => boolean;
  /** Users who refuse DMs from the brand. */
  refusesDms: (id: string) => boolean;
  /** The next snowflake id. */
  nextId: () => string;
  now: () => number;
  /** Renders users for `includes.users` with the asked fields. */
  renderUsers: (ids: string[], fields: Set<string>) => unknown[];
}

/** An answer: status and body (the caller adds the rate-limit headers). */
export interface XDmAnswer { status: number; body: unknown }

const EVENT_FIELDS = ['created_at', 'sender_id', 'dm_conversation_id'] as const;
const list = (v: string | null): string[] => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
const problem = (status: number, body: Record<string, unknown>): XDmAnswer => ({ status, body });
const invalid = (parameter: string, value: string, message: string) => problem(400, {
  errors: [{ parameters: { [parameter]: [value] }, message }],
  title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: 'https://api.twitter.com/2/problems/invalid-request',
});

/** The 403 answers X gives an app without access to the DM endpoints. */
export function dmAccessProblem(access: XDmAccess): XDmAnswer | undefined {
  if (access === 'not-enrolled') {
    return problem(403, {
      client_id: '28391234',
      detail: 'When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.',
      registration_url: 'https://developer.x.com/en/docs/projects/overview',
      title: 'Client Forbidden',
      required_enrollment: 'Appropriate Level of API Access',
      reason: 'client-not-enrolled',
      type: 'https://api.twitter.com/2/problems/client-forbidden',
    });
  }
  if (access === 'no-dm-permission') {
    return problem(403, {
      title: 'Forbidden', type: 'https://api.twitter.com/2/problems/oauth1-permissions', status: 403,
      detail: 'Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.',
    });
  }
  return undefined;
}

/** The DM store and its three routes. */
export function fakeXDms(deps: XDmDeps) {
  const events: XDmEvent[] = [];
  const sent: XDmEvent[] = [];
  const conversationOf = (a: string, b: string) => (BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`);

  const add = (from: string, to: string, text: string, createdAt?: string): XDmEvent => {
    const ev: XDmEvent = {
      id: deps.nextId(), event_type: 'MessageCreate', text, sender_id: from,
      dm_conversation_id: conversationOf(from, to), created_at: createdAt ?? new Date(deps.now()).toISOString(),
    };
    events.push(ev);
    return ev;
  };

  const render = (ev: XDmEvent, fields: Set<string>) => {
    const out: Record<string, unknown> = { id: ev.id, event_type: ev.event_type, text: ev.text };
    for (const f of EVENT_FIELDS) if (fields.has(f)) out[f] = ev[f];
    return out;
  };

  const page = (candidates: XDmEvent[], q: URLSearchParams): XDmAnswer => {
    const maxRaw = q.get('max_results');
    const max = maxRaw === null ? 100 : Number(maxRaw);
    if (!Number.isInteger(max) || max < 1 || max > 100) return invalid('max_results', maxRaw ?? '', `The \`max_results\` query parameter value [${maxRaw}] is not between 1 and 100`);
    const types = list(q.get('event_types'));
    const token = q.get('pagination_token');
    let before: bigint | undefined;
    if (token !== null) {
      const decoded = Buffer.from(token, 'base64url').toString('utf8');
      if (!/^\d+$/.test(decoded)) return invalid('pagination_token', token, `The \`pagination_token\` query parameter value [${token}] is not valid`);
      before = BigInt(decoded);
    }
    const eligible = candidates
      .filter((ev) => (types.length === 0 || types.includes(ev.event_type)) && (before === undefined || BigInt(ev.id) < before))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    const slice = eligible.slice(0, max);
    const meta: Record<string, unknown> = { result_count: slice.length };
    if (eligible.length > max) meta.next_token = Buffer.from(slice[slice.length - 1]!.id).toString('base64url');
    if (slice.length === 0) return { status: 200, body: { meta } };
    const fields = new Set(list(q.get('dm_event.fields')));
    const expansions = new Set(list(q.get('expansions')));
    if (expansions.has('sender_id')) fields.add('sender_id');
    const body: Record<string, unknown> = { data: slice.map((ev) => render(ev, fields)), meta };
    if (expansions.has('sender_id')) body.includes = { users: deps.renderUsers([...new Set(slice.map((ev) => ev.sender_id))], new Set(list(q.get('user.fields')))) };
    return { status: 200, body };
  };

  return {
    events,
    sent,
    /** A DM from `from` to `to` (user ids), as if sent in X's own app. */
    add,
    list: (q: URLSearchParams): XDmAnswer => page(events.filter((ev) => ev.dm_conversation_id.split('-').includes(deps.meId())), q),
    withParticipant: (participant: string, q: URLSearchParams): XDmAnswer => {
      if (!deps.userExists(participant)) return invalid('participant_id', participant, `The \`participant_id\` path parameter value [${participant}] is not valid`);
      return page(events.filter((ev) => ev.dm_conversation_id === conversationOf(deps.meId(), participant)), q);
    },
    send: (participant: string, body: unknown): XDmAnswer => {
      const b = (body ?? {}) as { text?: unknown; attachments?: unknown };
      if (!deps.userExists(participant)) return invalid('participant_id', participant, `The \`participant_id\` path parameter value [${participant}] is not valid`);
      if (typeof b.text !== 'string' || b.text === '') return invalid('text', '', 'The `text` field is required when no attachments are given');
      if ([...b.text].length > 10_000) return invalid('text', b.text.slice(0, 20), 'The `text` field must be at most 10000 characters');
      if (deps.refusesDms(participant)) {
        return problem(403, { title: 'Forbidden', type: 'about:blank', status: 403, detail: 'You cannot send messages to this user.' });
      }
      const ev = add(deps.meId(), participant, b.text);
      sent.push(ev);
      return { status: 201, body: { data: { dm_conversation_id: ev.dm_conversation_id, dm_event_id: ev.id } } };
    },
  };
}
