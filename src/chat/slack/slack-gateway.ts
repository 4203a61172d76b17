import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import type { CardView } from '../../domain/case.js';
import { RemoteRateLimitedError, RemoteRefusedError } from '../../domain/remote-errors.js';
import type { Card, StormCard } from '../../cards/card.js';
import type { ChatGateway } from '../../app/chat-gateway.js';
import { clipEscaped, TEXT_MAX } from '../safe-text.js';
import { escapeMrkdwn } from './escape-mrkdwn.js';
import { renderBlockKit } from './render-block-kit.js';
import { renderStormBlockKit } from './render-storm-block-kit.js';
import { renderAlertBlockKit } from './render-alert-block-kit.js';
import type { AlertCard } from '../../cards/alert-card.js';
import { renderHomeView } from './render-home-view.js';
import type { PersonalQueue } from '../../app/personal-queue-model.js';

/** Slack errors that retrying will not fix (docs.slack.dev/reference/methods/chat.postMessage#errors). */
const PERMANENT = new Set([
  'channel_not_found', 'not_in_channel', 'is_archived', 'invalid_auth', 'account_inactive', 'token_revoked',
  'missing_scope', 'invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'no_text', 'cant_update_message',
  'message_not_found', 'restricted_action', 'not_authed', 'team_access_not_granted', 'invalid_arguments',
]);

/** Custom message metadata lets the bot find its own card after a crash. */
export const CARD_EVENT = 'earshot_case';
export const NOTE_EVENT = 'earshot_note';
export const STORM_EVENT = 'earshot_storm';
export const ALERT_EVENT = 'earshot_alert';

type Meta = { event_type?: string; event_payload?: Record<string, unknown> };
const metaOf = (m: unknown): Meta | undefined => (m as { metadata?: Meta }).metadata;
/** Pages of history looked through when checking whether a post landed (200 messages each). */
const FIND_PAGES = 10;

/** Turns a WebClient error into the outbox's vocabulary. */
export function classifySlackError(e: unknown): Error {
  if (e instanceof WebAPIRateLimitedError) return new RemoteRateLimitedError((e.retryAfter || 1) * 1000, 'Slack rate limit', { cause: e });
  if (e instanceof WebAPIPlatformError && e.data?.error) {
    const code = e.data.error;
    if (PERMANENT.has(code)) return new RemoteRefusedError(`Slack refused: ${code}`, { cause: e });
    return new Error(`Slack error: ${code}`, { cause: e });
  }
  return e instanceof Error ? e : new Error(String(e));
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw classifySlackError(e);
  }
}

/**
 * Slack as a {@link ChatGateway}. It is given a WebClient that rejects rate-limited
 * calls instead of pausing (the outbox schedules the retry), so one busy channel
 * never freezes the client that interactive calls use.
 */
export class SlackGateway implements ChatGateway {
  readonly platform = 'slack' as const;
  /** Each person's DM with the bot, as conversations.open answered (the same id every time). */
  private readonly directs = new Map<string, string>();

  constructor(private readonly client: WebClient) {}

  async postCard(channel: string, card: Card): Promise<CardView> {
    const { text, blocks } = renderBlockKit(card);
    const r = await call(() => this.client.chat.postMessage({
      channel, text, blocks, parse: 'none', link_names: false, unfurl_links: false, unfurl_media: false,
      metadata: { event_type: CARD_EVENT, event_payload: { case_id: card.caseId } },
    }));
    if (!r.ts) throw new Error('Slack answered chat.postMessage without a ts');
    return { platform: 'slack', channel: r.channel ?? channel, ts: r.ts };
  }

  async findCard(channel: string, caseId: string, sinceMs?: number): Promise<CardView | undefined> {
    const ts = await this.findInHistory(channel, sinceMs, (md) => md.event_type === CARD_EVENT && String(md.event_payload?.case_id) === caseId);
    return ts ? { platform: 'slack', channel, ts } : undefined;
  }

  /**
   * Looks through the channel's history (newest first, from `sinceMs` less a minute of
   * clock skew) for a message of ours whose metadata matches.
   */
  private async findInHistory(channel: string, sinceMs: number | undefined, match: (md: Meta) => boolean): Promise<string | undefined> {
    const oldest = sinceMs ? String(Math.max(0, Math.floor(sinceMs / 1000) - 60)) : undefined;
    let cursor: string | undefined;
    for (let page = 0; page < FIND_PAGES; page++) {
      const r = await call(() => this.client.conversations.history({ channel, limit: 200, include_all_metadata: true, ...(oldest ? { oldest } : {}), ...(cursor ? { cursor } : {}) }));
      const hit = r.messages?.find((m) => { const md = metaOf(m); return !!md && match(md); });
      if (hit?.ts) return hit.ts;
      cursor = r.response_metadata?.next_cursor || undefined;
      if (!r.has_more || !cursor) return undefined;
    }
    return undefined;
  }

  async updateCard(view: CardView, card: Card): Promise<void> {
    if (view.platform !== 'slack') return;
    const { text, blocks } = renderBlockKit(card);
    // chat.update parses the text as `client` by default (unlike postMessage): say none.
    await call(() => this.client.chat.update({ channel: view.channel, ts: view.ts, text, blocks, parse: 'none', link_names: false }));
  }

  async postNote(view: CardView, text: string, ref?: string): Promise<void> {
    if (view.platform !== 'slack') return;
    await call(() => this.client.chat.postMessage({
      channel: view.channel, thread_ts: view.ts, text: clipEscaped(escapeMrkdwn(text), TEXT_MAX.message),
      parse: 'none', link_names: false, unfurl_links: false, unfurl_media: false,
      ...(ref ? { metadata: { event_type: NOTE_EVENT, event_payload: { ref } } } : {}),
    }));
  }

  async findNote(view: CardView, ref: string): Promise<boolean> {
    if (view.platform !== 'slack') return false;
    let cursor: string | undefined;
    for (let page = 0; page < FIND_PAGES; page++) {
      const r = await call(() => this.client.conversations.replies({ channel: view.channel, ts: view.ts, limit: 200, include_all_metadata: true, ...(cursor ? { cursor } : {}) }));
      if (r.messages?.some((m) => { const md = metaOf(m); return md?.event_type === NOTE_EVENT && String(md.event_payload?.ref) === ref; })) return true;
      cursor = r.response_metadata?.next_cursor || undefined;
      if (!r.has_more || !cursor) return false;
    }
    return false;
  }

  async postStormCard(channel: string, card: StormCard): Promise<CardView> {
    const { text, blocks } = renderStormBlockKit(card);
    const r = await call(() => this.client.chat.postMessage({
      channel, text, blocks, parse: 'none', link_names: false, unfurl_links: false, unfurl_media: false,
      metadata: { event_type: STORM_EVENT, event_payload: { storm_id: card.stormId, count: card.count } },
    }));
    if (!r.ts) throw new Error('Slack answered chat.postMessage without a ts');
    return { platform: 'slack', channel: r.channel ?? channel, ts: r.ts };
  }

  async findStormCard(channel: string, stormId: string, sinceMs?: number): Promise<CardView | undefined> {
    const ts = await this.findInHistory(channel, sinceMs, (md) => md.event_type === STORM_EVENT && String(md.event_payload?.storm_id) === stormId);
    return ts ? { platform: 'slack', channel, ts } : undefined;
  }

  async updateStormCard(view: CardView, card: StormCard): Promise<void> {
    if (view.platform !== 'slack') return;
    const { text, blocks } = renderStormBlockKit(card);
    await call(() => this.client.chat.update({
      channel: view.channel, ts: view.ts, text, blocks, parse: 'none', link_names: false,
      metadata: { event_type: STORM_EVENT, event_payload: { storm_id: card.stormId, count: card.count } },
    }));
  }

  /**
   * A personal alert in the person's DM with the bot: conversations.open (scope im:write)
   * gives the DM's id, the same one every time (kept here, so it is asked once per person
   * and process), then chat.postMessage (chat:write).
   */
  async postDirect(userId: string, alert: AlertCard): Promise<CardView> {
    let channel = this.directs.get(userId);
    if (!channel) {
      const opened = await call(() => this.client.conversations.open({ users: userId }));
      channel = opened.channel?.id;
      if (!channel) throw new Error('Slack answered conversations.open without a channel');
      this.directs.set(userId, channel);
    }
    const { text, blocks } = renderAlertBlockKit(alert);
    const r = await call(() => this.client.chat.postMessage({
      channel, text, blocks, parse: 'none', link_names: false, unfurl_links: false, unfurl_media: false,
      metadata: { event_type: ALERT_EVENT, event_payload: { case_id: alert.caseId, kind: alert.kind } },
    }));
    if (!r.ts) throw new Error('Slack answered chat.postMessage without a ts');
    return { platform: 'slack', channel: r.channel ?? channel, ts: r.ts };
  }

  async updateDirect(view: CardView, alert: AlertCard): Promise<void> {
    if (view.platform !== 'slack') return;
    const { text, blocks } = renderAlertBlockKit(alert);
    await call(() => this.client.chat.update({ channel: view.channel, ts: view.ts, text, blocks, parse: 'none', link_names: false }));
  }

  async postImage(channel: string, image: { title: string; filename: string; png: Buffer }): Promise<void> {
    await call(() => this.client.filesUploadV2({ channel_id: channel, file: image.png, filename: image.filename, title: image.title }));
  }

  async postNotice(channel: string, text: string): Promise<void> {
    await call(() => this.client.chat.postMessage({ channel, text: clipEscaped(escapeMrkdwn(text), TEXT_MAX.message), parse: 'none', link_names: false, unfurl_links: false }));
  }

  // --- App Home (the personal queue) ---

  /** Publishes a person's App Home (views.publish, Tier 4; the outbox paces it as `slack.home`). */
  async publishHome(user: string, queue: PersonalQueue, updatedAt: string): Promise<void> {
    await call(() => this.client.views.publish({ user_id: user, view: renderHomeView(queue, updatedAt) }));
  }
}
