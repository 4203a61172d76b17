import { ApiRequestError, ApiResponseError, type TwitterApi, type UserV2 } from 'twitter-api-v2';
import * as z from 'zod';
import { X_DM_LIMIT } from '../../domain/reply-limits.js';
import type { SourceCache, SourceContext } from '../mention-source.js';
import { PrivateAccessMemory } from '../private-access.js';
import type { PrivateAccess, PrivateMessage, PrivateMessages, PrivatePollResult, PrivateRecipient } from '../private-messages.js';
import { readCursor } from '../source-cursor.js';
import { DeliveryPermanentError, DeliveryRateLimitedError, SourceUnavailableError } from '../source-errors.js';

const EventId = z.string().regex(/^\d{1,19}$/, { error: 'expected a DM event id' });
/**
 * The stored cursor: the newest DM event heard; until something is heard, the look-back
 * floor (ms); and when a poll stopped paging early, the page token to carry on from and the
 * newest event of that poll (the next `since` once the gap is read).
 */
export const XDmCursorSchema = z.strictObject({
  since: EventId.optional(),
  floorAt: z.number().finite().optional(),
  gap: z.strictObject({ token: z.string().min(1), newest: EventId }).optional(),
});
type Cursor = z.output<typeof XDmCursorSchema>;

export interface TwitterPrivateOptions {
  source: string;
  /** The user-context client (the four OAuth 1.0a keys); without it there are no DMs. */
  write?: TwitterApi | undefined;
  maxPages: number;
  lookbackMs: number;
  /** How long an access answer (allowed or refused) is trusted before X is asked again. */
  recheckMs: number;
  cache?: SourceCache | undefined;
  warn?: SourceContext['warn'];
  now: () => number;
}

type DMEventV2 = Awaited<ReturnType<TwitterApi['v2']['listDmEvents']>>['events'][number];
const FIELDS: NonNullable<Parameters<TwitterApi['v2']['listDmEvents']>[0]> = {
  'dm_event.fields': ['id', 'text', 'event_type', 'created_at', 'sender_id', 'dm_conversation_id'],
  event_types: ['MessageCreate'],
  expansions: ['sender_id'],
  'user.fields': ['username', 'name'],
};

const bigger = (a: string | undefined, b: string | undefined) => (!a ? b : !b ? a : BigInt(a) > BigInt(b) ? a : b);
const NO_KEYS = 'X direct messages need user-context credentials: set X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_SECRET';

/**
 * X's problem types that mean "this app may not use direct messages at all", as opposed to
 * "this customer does not take DMs from you": the project is not enrolled in an access level
 * with the endpoint (`client-forbidden`, reason `client-not-enrolled`), or the app's
 * permissions stop at "Read and write" (`oauth1-permissions`).
 */
export function xDmDenial(e: unknown): string | undefined {
  if (!(e instanceof ApiResponseError) || e.code !== 403) return undefined;
  const d = (e.data ?? {}) as { type?: string; reason?: string; detail?: string };
  const type = String(d.type ?? '');
  if (d.reason === 'client-not-enrolled' || type.endsWith('/client-forbidden')) {
    return `X refused direct messages for this app's access level (${d.detail ?? 'client not enrolled'}). Move to DM falls back to a public reply inviting a DM; see docs/networks.md for which X plans include the DM endpoints.`;
  }
  if (type.endsWith('/oauth1-permissions') || type.endsWith('/unsupported-authentication')) {
    return 'X refused direct messages: the app\'s permissions do not include them. In the X developer portal set the app\'s permissions to "Read and write and Direct message", then regenerate X_ACCESS_TOKEN and X_ACCESS_SECRET.';
  }
  return undefined;
}

/** X direct messages through the v2 DM endpoints, with the brand's user-context keys. */
export class TwitterPrivate implements PrivateMessages {
  readonly network = 'x' as const;
  private me: UserV2 | undefined;
  private readonly memory: PrivateAccessMemory;

  constructor(private readonly opts: TwitterPrivateOptions) {
    this.memory = new PrivateAccessMemory({ source: opts.source, network: 'x', cache: opts.cache, recheckMs: opts.recheckMs, now: opts.now, warn: opts.warn });
  }

  checkPrivate(text: string): string | undefined {
    if (text.trim() === '') return 'The message is empty.';
    const n = [...text].length;
    return n > X_DM_LIMIT ? `The message is ${n} characters; an X direct message allows ${X_DM_LIMIT}. Shorten it by ${n - X_DM_LIMIT}.` : undefined;
  }

  async access(): Promise<PrivateAccess> {
    if (!this.opts.write) return { canStart: false, canRead: false, reason: NO_KEYS };
    const known = await this.memory.get();
    if (known) return known;
    // Nothing known yet: one small read tells whether this app may use the DM endpoints.
    try {
      await this.opts.write.v2.listDmEvents({ ...FIELDS, max_results: 1 });
      await this.memory.allowed({ canRead: true });
      return (await this.memory.get()) ?? { canStart: true, canRead: true };
    } catch (e) {
      const denial = xDmDenial(e);
      if (denial) return this.memory.denied('read', denial);
      throw explain(e, 'DM access check');
    }
  }

  async pollPrivate(raw: string | undefined): Promise<PrivatePollResult> {
    const now = this.opts.now();
    const { cursor = {} } = readCursor(XDmCursorSchema, raw, this.opts.source, now - this.opts.lookbackMs);
    const known = await this.memory.get();
    const write = this.opts.write;
    // Refused earlier (reported then): no DM call until the re-check is due.
    if (!write || (known && !known.canRead)) return { messages: [], cursor: raw, requests: 0 };
    const me = await this.brand(write);
    const floorAt = cursor.since ? undefined : cursor.floorAt ?? now - this.opts.lookbackMs;
    let requests = 0;
    try {
      requests += 1;
      // dm_events has no since_id: pages come newest first, and reading stops at the cursor.
      const page = await write.v2.listDmEvents({ ...FIELDS, max_results: 100, ...(cursor.gap ? { pagination_token: cursor.gap.token } : {}) });
      const reached = () => page.events.some((ev) => (cursor.since && BigInt(ev.id) <= BigInt(cursor.since)) || (floorAt !== undefined && Date.parse(ev.created_at ?? '') < floorAt));
      let pages = 1;
      while (!page.done && !reached() && pages < this.opts.maxPages) {
        requests += 1;
        await page.fetchNext();
        pages += 1;
      }
      const fresh = page.events.filter((ev) => ev.event_type === 'MessageCreate'
        && (!cursor.since || BigInt(ev.id) > BigInt(cursor.since)) && (floorAt === undefined || Date.parse(ev.created_at ?? '') >= floorAt));
      const users = new Map((page.includes.users ?? []).map((u) => [u.id, u]));
      const messages = fresh.map((ev) => this.toMessage(ev, me, users)).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      const newest = bigger(cursor.gap?.newest, messages.at(-1)?.id);
      const token = page.meta.next_token;
      let next: Cursor;
      if (!page.done && !reached() && token) next = { ...(cursor.since ? { since: cursor.since } : {}), ...(floorAt !== undefined ? { floorAt } : {}), gap: { token, newest: newest ?? cursor.since ?? '0' } };
      else next = newest && newest !== '0' ? { since: bigger(cursor.since, newest)! } : floorAt !== undefined ? { floorAt } : { ...(cursor.since ? { since: cursor.since } : {}) };
      await this.memory.allowed({ canRead: true });
      return { messages, cursor: JSON.stringify(next), requests };
    } catch (e) {
      const denial = xDmDenial(e);
      if (denial) {
        await this.memory.denied('read', denial);
        return { messages: [], cursor: raw, requests };
      }
      // A page token X no longer accepts: read again from the newest (the ids already heard are skipped by the cursor).
      if (cursor.gap && e instanceof ApiResponseError && e.code === 400) return this.pollPrivate(JSON.stringify({ ...(cursor.since ? { since: cursor.since } : {}), ...(floorAt !== undefined ? { floorAt } : {}) }));
      throw explain(e, 'DM poll');
    }
  }

  async sendPrivate(to: PrivateRecipient, text: string): Promise<PrivateMessage> {
    const access = await this.access();
    if (!access.canStart) throw new DeliveryPermanentError(access.reason);
    const write = this.opts.write!;
    const me = await this.brand(write);
    try {
      const r = parseSent(await write.v2.sendDmToParticipant(to.id, { text }));
      await this.memory.allowed({ canStart: true });
      return {
        id: r.dm_event_id, conversationId: r.dm_conversation_id, from: { id: me.id, handle: me.username, name: me.name },
        direction: 'out', to: { id: to.id, handle: to.handle }, text, at: new Date(this.opts.now()).toISOString(), url: `https://x.com/messages/${r.dm_conversation_id}`,
      };
    } catch (e) {
      const denial = xDmDenial(e);
      if (denial) {
        await this.memory.denied('start', denial);
        throw new DeliveryPermanentError(denial, { cause: e });
      }
      if (e instanceof ApiResponseError && e.code === 403) {
        throw new DeliveryPermanentError(`X refused the DM to @${to.handle} (${String((e.data as { detail?: string })?.detail ?? 'HTTP 403')}): they may not accept direct messages from the brand's account`, { cause: e });
      }
      throw explain(e, 'DM');
    }
  }

  async findPrivate(to: PrivateRecipient, text: string, sinceMs: number): Promise<PrivateMessage | undefined> {
    const write = this.opts.write;
    if (!write) return undefined;
    const me = await this.brand(write);
    try {
      const page = await write.v2.listDmEventsWithParticipant(to.id, { ...FIELDS, max_results: 100 });
      const isOurs = (ev: DMEventV2) => ev.event_type === 'MessageCreate' && ev.sender_id === me.id && ev.text === text && Date.parse(ev.created_at ?? '') >= sinceMs;
      const older = () => page.events.some((ev) => Date.parse(ev.created_at ?? '') < sinceMs);
      for (let pages = 1; !page.events.some(isOurs) && !older() && !page.done && pages < 5; pages++) await page.fetchNext();
      const hit = page.events.find(isOurs);
      return hit ? this.toMessage(hit, me, new Map()) : undefined;
    } catch (e) {
      throw explain(e, 'DM check');
    }
  }

  private toMessage(ev: DMEventV2, me: UserV2, users: Map<string, UserV2>): PrivateMessage {
    const out = ev.sender_id === me.id;
    const sender = out ? me : users.get(ev.sender_id ?? '');
    const conversationId = ev.dm_conversation_id ?? '';
    // A 1:1 conversation's id is `<one user id>-<the other>`: ours went to the other one.
    const other = out ? conversationId.split('-').find((id) => id !== me.id && /^\d+$/.test(id)) : undefined;
    const recipient = other ? users.get(other) : undefined;
    return {
      id: ev.id,
      conversationId,
      from: { id: ev.sender_id ?? 'unknown', handle: sender?.username ?? ev.sender_id ?? 'unknown', name: sender?.name ?? sender?.username ?? '' },
      direction: out ? 'out' : 'in',
      ...(other ? { to: { id: other, handle: recipient?.username ?? other } } : {}),
      text: ev.event_type === 'MessageCreate' ? ev.text : '',
      at: ev.created_at ?? new Date(0).toISOString(),
      ...(conversationId ? { url: `https://x.com/messages/${conversationId}` } : {}),
    };
  }

  /** The brand account (kept in the store: every tick is a fresh worker and users/me has its own limit). */
  private async brand(write: TwitterApi): Promise<UserV2> {
    const key = `source-me:x:${this.opts.source}`;
    this.me ??= await this.opts.cache?.get<UserV2>(key);
    if (this.me) return this.me;
    try {
      this.me = (await write.v2.me()).data;
    } catch (e) {
      throw explain(e, 'account lookup');
    }
    await this.opts.cache?.set(key, this.me, 86_400_000);
    return this.me;
  }
}

/**
 * X answers a sent DM with `{data: {dm_conversation_id, dm_event_id}}`; twitter-api-v2
 * returns that body as it came, though its type says the fields are at the top.
 */
const SentSchema = z.object({ dm_conversation_id: z.string().min(1), dm_event_id: EventId });
function parseSent(body: unknown): z.output<typeof SentSchema> {
  const r = z.union([z.object({ data: SentSchema }).transform((b) => b.data), SentSchema]).safeParse(body);
  if (!r.success) throw new SourceUnavailableError(`X answered the DM in an unexpected shape: ${JSON.stringify(body).slice(0, 200)}`);
  return r.data;
}

/** Maps X's errors on the DM endpoints to what callers act on: wait, give up, or retry. */
function explain(e: unknown, what: string): Error {
  if (e instanceof DeliveryPermanentError || e instanceof DeliveryRateLimitedError || e instanceof SourceUnavailableError) return e;
  if (e instanceof ApiResponseError) {
    if (e.rateLimitError || e.code === 429) {
      // DM endpoints have their own, small windows (platform notes §3: 15 per 15 minutes in the current table).
      const reset = e.rateLimit?.reset ? e.rateLimit.reset * 1000 - Date.now() : 60_000;
      return new DeliveryRateLimitedError(Math.max(1000, reset), `X rate limit on the ${what}`, { cause: e });
    }
    if (e.code === 401) return new DeliveryPermanentError(`X refused the ${what} (HTTP 401): check X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_SECRET`, { cause: e });
    if (e.code >= 400 && e.code < 500) return new DeliveryPermanentError(`X rejected the ${what} (HTTP ${e.code}): ${String((e.data as { detail?: string })?.detail ?? e.message)}`, { cause: e });
    return new SourceUnavailableError(`X answered ${e.code} to the ${what}`, { cause: e });
  }
  if (e instanceof ApiRequestError) return new SourceUnavailableError(`X could not be reached for the ${what}: ${e.requestError?.message ?? e.message}`, { cause: e });
  return e instanceof Error ? e : new Error(String(e));
}
