import type { mastodon } from 'masto';
import * as z from 'zod';
import type { PrivateAccessMemory } from '../private-access.js';
import type { PrivateAccess, PrivateMessage, PrivateMessages, PrivatePollResult, PrivateRecipient } from '../private-messages.js';
import { readCursor } from '../source-cursor.js';
import { DeliveryPermanentError } from '../source-errors.js';
import { addressTo, checkMastodonPrivate, htmlToText } from './mastodon-text.js';

type Status = mastodon.v1.Status;

/** The stored cursor: the newest direct status heard (a snowflake id). */
export const MastodonDmCursorSchema = z.strictObject({ since: z.string().regex(/^\d{1,20}$/, { error: 'expected a status id' }) });

export interface MastodonPrivateOptions {
  source: string;
  client: mastodon.rest.Client;
  /** The brand account (verify_credentials, cached by the source). */
  account: () => Promise<mastodon.v1.AccountCredentials>;
  /** Runs a call with the source's error mapping (429, 5xx, refused token). */
  call: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  /** `user@domain` of an account (or of a status's mention), as the source writes authors' handles. */
  fullAcct: (a: { acct: string; url?: string | null | undefined }) => string;
  memory: PrivateAccessMemory;
  maxCharacters: number;
  maxPages: number;
  lookbackMs: number;
  now: () => number;
}

/** Mastodon ids are snowflakes: milliseconds shifted left 16 bits. */
const idAt = (ms: number): bigint => BigInt(Math.max(0, Math.floor(ms))) << 16n;

/**
 * Mastodon's private messages: statuses with `visibility: direct`, visible only to the
 * accounts they mention (so every one starts with the customer's @handle), read through
 * the conversations API (`GET /api/v1/conversations`, newest last status first) and each
 * conversation's thread (`GET /api/v1/statuses/:id/context`).
 */
export class MastodonPrivate implements PrivateMessages {
  readonly network = 'mastodon' as const;

  constructor(private readonly opts: MastodonPrivateOptions) {}

  checkPrivate(text: string): string | undefined {
    return checkMastodonPrivate(text, this.opts.maxCharacters);
  }

  async access(): Promise<PrivateAccess> {
    return (await this.opts.memory.get()) ?? { canStart: true, canRead: true };
  }

  async pollPrivate(raw: string | undefined): Promise<PrivatePollResult> {
    const now = this.opts.now();
    const { cursor } = readCursor(MastodonDmCursorSchema, raw, this.opts.source, now - this.opts.lookbackMs);
    const known = await this.opts.memory.get();
    if (known && !known.canRead) return { messages: [], cursor: raw, requests: 0 };
    const since = cursor ? BigInt(cursor.since) : idAt(now - this.opts.lookbackMs);
    const me = await this.opts.account();
    let requests = 0;
    // Conversations come newest last status first: stop at the first one we have read already.
    const changed: mastodon.v1.Conversation[] = [];
    const pager = this.opts.client.v1.conversations.list({ limit: 40 })[Symbol.asyncIterator]();
    for (let page = 0; page < this.opts.maxPages; page++) {
      const r = await this.readCall('DM poll', () => pager.next());
      requests += 1;
      if (r === undefined) return { messages: [], cursor: raw, requests };
      if (r.done || !r.value) break;
      const fresh = r.value.filter((c) => c.lastStatus && BigInt(c.lastStatus.id) > since);
      changed.push(...fresh);
      if (fresh.length < r.value.length || r.value.length < 40) break;
    }
    const found = new Map<string, PrivateMessage>();
    for (const c of changed) {
      const last = c.lastStatus!;
      const ctx = await this.opts.call('DM thread', () => this.opts.client.v1.statuses.$select(last.id).context.fetch());
      requests += 1;
      for (const s of [...ctx.ancestors, last]) {
        if (s.visibility === 'direct' && BigInt(s.id) > since) found.set(s.id, this.toMessage(s, c.id, me.id));
      }
    }
    const messages = [...found.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const newest = messages.at(-1)?.id;
    const next = newest ? { since: newest } : cursor ?? { since: since.toString() };
    return { messages, cursor: JSON.stringify(next), requests };
  }

  async sendPrivate(to: PrivateRecipient, text: string): Promise<PrivateMessage> {
    const access = await this.access();
    if (!access.canStart) throw new DeliveryPermanentError(access.reason);
    const me = await this.opts.account();
    // Continue the conversation with this customer if there is one, so it stays one thread.
    const convos = await this.opts.call('DM conversation lookup', async () => await this.opts.client.v1.conversations.list({ limit: 40 }));
    const convo = convos.find((c) => c.accounts.length === 1 && c.accounts[0]!.id === to.id && c.lastStatus);
    const status = addressTo(text, to.handle);
    const created = await this.opts.call('DM', () => this.opts.client.v1.statuses.create({
      status, visibility: 'direct', ...(convo ? { inReplyToId: convo.lastStatus!.id } : {}),
    }));
    // A new conversation's id is only known from the conversations list.
    const id = convo?.id ?? (await this.opts.call('DM conversation lookup', async () => await this.opts.client.v1.conversations.list({ limit: 5 })))
      .find((c) => c.lastStatus?.id === created.id)?.id;
    return this.toMessage(created, id ?? created.id, me.id);
  }

  async findPrivate(to: PrivateRecipient, text: string, sinceMs: number): Promise<PrivateMessage | undefined> {
    const me = await this.opts.account();
    const mine = await this.opts.call('DM check', async () => await this.opts.client.v1.accounts.$select(me.id).statuses.list({ limit: 40, excludeReblogs: true, minId: (idAt(sinceMs) - 1n).toString() }));
    const want = squash(text);
    const hit = mine.find((s) => s.visibility === 'direct' && Date.parse(s.createdAt) >= sinceMs
      && s.mentions.some((m) => m.id === to.id) && squash(htmlToText(s.content)).includes(want));
    return hit ? this.toMessage(hit, hit.id, me.id) : undefined;
  }

  /** A read that the token's scopes may not allow (403): remembered and reported once, then undefined. */
  private async readCall<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.opts.call(what, fn);
    } catch (e) {
      if (e instanceof DeliveryPermanentError && /HTTP 403/.test(e.message)) {
        await this.opts.memory.denied('read', `Mastodon refused to list the brand's conversations (HTTP 403): give MASTODON_ACCESS_TOKEN the scopes read:statuses and write:statuses. Move to DM falls back to a public reply inviting a DM.`);
        return undefined;
      }
      throw e;
    }
  }

  private toMessage(s: Status, conversationId: string, meId: string): PrivateMessage {
    const out = s.account.id === meId;
    // A direct status is seen by the accounts it mentions: ours went to the one that is not us.
    const other = out ? s.mentions.find((m) => m.id !== meId) : undefined;
    return {
      id: s.id,
      conversationId,
      from: { id: s.account.id, handle: this.opts.fullAcct(s.account), name: s.account.displayName?.trim() || s.account.username },
      direction: out ? 'out' : 'in',
      ...(other ? { to: { id: other.id, handle: this.opts.fullAcct(other) } } : {}),
      text: htmlToText(s.content),
      at: new Date(Date.parse(s.createdAt)).toISOString(),
      url: s.url ?? s.uri,
    };
  }
}

const squash = (t: string) => t.replace(/\s+/g, ' ').trim();
