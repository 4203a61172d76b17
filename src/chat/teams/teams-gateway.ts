import type { Activity, CloudAdapter, ConversationReference } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import type { CardView } from '../../domain/case.js';
import { RemoteRateLimitedError, RemoteRefusedError } from '../../domain/remote-errors.js';
import type { Store } from '../../store/store.js';
import type { Card, StormCard } from '../../cards/card.js';
import type { ChatGateway } from '../../app/chat-gateway.js';
import { clip, sanitizeText } from '../safe-text.js';
import type { ChannelReferences, TeamsChannel } from './channel-references.js';
import { ADAPTIVE_CARD_TYPE, renderAdaptiveCard, type AdaptiveCard } from './render-adaptive-card.js';
import { renderStormAdaptiveCard } from './render-storm-adaptive-card.js';
import { renderTeamsMessage } from './render-teams-message.js';
import { renderAlertAdaptiveCard } from './render-alert-adaptive-card.js';
import type { PersonalReferences, TeamsPerson } from './personal-references.js';
import type { AlertCard } from '../../cards/alert-card.js';

// Statuses retrying will not fix: bad request, forbidden (bot removed, no permission), not found.
// 412 and 5xx are retried: Microsoft lists 412, 502 and 504 among the throttling answers
// (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit).
const PERMANENT = new Set([400, 401, 403, 404, 405, 413]);

/** How long the record of a posted card is kept for {@link TeamsGateway.findCard}. */
const CARD_RECORD_TTL_MS = 14 * 24 * 3600_000;
const CARD_RECORD = (caseId: string, channelId: string) => `teams:card:${caseId}:${channelId}`;
const STORM_CARD_RECORD = (stormId: string, channelId: string) => `teams:storm-card:${stormId}:${channelId}`;

/** Turns a Bot Connector error into the outbox's vocabulary. */
export function classifyTeamsError(e: unknown): Error {
  const err = e as { statusCode?: number; response?: { headers?: { get?(name: string): string | undefined } }; message?: string };
  const status = err?.statusCode;
  if (status === 429) {
    const after = Number(err.response?.headers?.get?.('retry-after'));
    return new RemoteRateLimitedError(Number.isFinite(after) && after > 0 ? after * 1000 : 1000, 'Teams rate limit', { cause: e });
  }
  if (status !== undefined && PERMANENT.has(status)) return new RemoteRefusedError(`Teams refused (${status}): ${clip(err.message ?? '', 200)}`, { cause: e });
  return e instanceof Error ? e : new Error(String(e));
}

/** The Teams thread of a card: `<channel id>;messageid=<root message id>`. */
const channelOf = (conversationId: string): string => conversationId.split(';')[0]!;

export interface TeamsGatewayDeps {
  adapter: CloudAdapter;
  /** The bot's Microsoft App ID ('' when authentication is off for local development). */
  appId: string;
  channels: ChannelReferences;
  store: Store;
  /** People's 1:1 chats with the bot, for personal alerts. */
  personal?: PersonalReferences | undefined;
}

/**
 * Teams as a {@link ChatGateway}. Each card is the first message of its own thread in
 * the group's channel; notes are replies in that thread; updates replace the card in
 * place for everyone. Calls go through the Bot Connector of the channel's tenant, with
 * the SDK's own retries removed: the outbox schedules retries (and honours Retry-After),
 * so one throttled channel never holds a delivery worker for seconds.
 */
export class TeamsGateway implements ChatGateway {
  readonly platform = 'teams' as const;

  constructor(private readonly deps: TeamsGatewayDeps) {}

  private async channel(target: string): Promise<TeamsChannel> {
    const found = await this.deps.channels.resolve(target);
    if (!found.ok) throw new RemoteRefusedError(found.problem);
    return found.channel;
  }

  /** Runs `fn` with a Bot Connector client for the channel's tenant. */
  private connector<T>(channel: TeamsChannel, fn: (client: ConnectorClient) => Promise<T>): Promise<T> {
    return this.connectorFor({
      channelId: 'msteams',
      serviceUrl: channel.serviceUrl,
      bot: { id: channel.bot.id, name: channel.bot.name ?? '' },
      conversation: { id: channel.id, name: channel.name ?? '', isGroup: true, conversationType: 'channel', tenantId: channel.tenantId },
    }, fn);
  }

  /** Runs `fn` with a Bot Connector client for a person's 1:1 chat with the bot. */
  private personalConnector<T>(person: TeamsPerson, fn: (client: ConnectorClient) => Promise<T>): Promise<T> {
    return this.connectorFor({
      channelId: 'msteams',
      serviceUrl: person.serviceUrl,
      bot: { id: person.bot.id, name: person.bot.name ?? '' },
      user: { id: person.userId, name: '' },
      conversation: { id: person.conversationId, name: '', isGroup: false, conversationType: 'personal', tenantId: person.tenantId },
    }, fn);
  }

  private async connectorFor<T>(reference: Partial<ConversationReference>, fn: (client: ConnectorClient) => Promise<T>): Promise<T> {
    let result: { value: T } | undefined;
    try {
      await this.deps.adapter.continueConversationAsync(this.deps.appId, reference, async (ctx) => {
        const client = ctx.turnState.get<ConnectorClient>(ctx.adapter.ConnectorClientKey);
        withoutRetries(client);
        result = { value: await fn(client) };
      });
    } catch (e) {
      throw classifyTeamsError(e);
    }
    if (!result) throw new Error('the Bot Connector turn ended without a result');
    return result.value;
  }

  async postCard(target: string, card: Card): Promise<CardView> {
    const channel = await this.channel(target);
    const view = await this.postThread(channel, cardActivity(renderAdaptiveCard(card), card.summary));
    await this.deps.store.set(CARD_RECORD(card.caseId, channel.id), view, CARD_RECORD_TTL_MS);
    return view;
  }

  /**
   * Starts a new thread in the channel whose first message is `activity`: a new
   * conversation in a channel is a new thread
   * (learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages).
   */
  private async postThread(channel: TeamsChannel, activity: Partial<Activity>): Promise<CardView> {
    const created = await this.connector(channel, (client) => client.conversations.createConversation({
      isGroup: true,
      bot: { id: channel.bot.id, name: channel.bot.name ?? '' },
      tenantId: channel.tenantId,
      channelData: { channel: { id: channel.id }, ...(channel.tenantId ? { tenant: { id: channel.tenantId } } : {}) },
      activity: activity as Activity,
      members: [],
      topicName: '',
    }));
    // Teams puts the root message id in the thread id; older answers also carry activityId.
    const activityId = created.activityId || /;messageid=(\d+)$/.exec(created.id ?? '')?.[1];
    if (!created.id || !activityId) throw new Error('Teams created the thread without telling its id');
    return { platform: 'teams', conversationId: created.id, activityId };
  }

  /**
   * Best effort. Bot Framework cannot list a channel's messages (that needs Microsoft
   * Graph and ChannelMessage.Read.All, which Earshot does not ask for), so this finds
   * only cards whose post was recorded locally right after Teams answered. A crash
   * between Teams creating the thread and that record (one HTTP round trip) can still
   * leave a duplicate card.
   */
  async findCard(target: string, caseId: string): Promise<CardView | undefined> {
    const found = await this.deps.channels.resolve(target);
    if (!found.ok) return undefined;
    return this.deps.store.get<CardView>(CARD_RECORD(caseId, found.channel.id));
  }

  private async threadChannel(view: CardView): Promise<TeamsChannel> {
    if (view.platform !== 'teams') throw new RemoteRefusedError('not a Teams card');
    const channel = await this.deps.channels.get(channelOf(view.conversationId));
    if (!channel) throw new RemoteRefusedError(`Earshot no longer knows the Teams channel of ${view.conversationId} (was the app removed from the team?)`);
    return channel;
  }

  async updateCard(view: CardView, card: Card): Promise<void> {
    await this.replaceRoot(view, cardActivity(renderAdaptiveCard(card), card.summary));
  }

  /** Replaces a thread's first message (a card) in place, for everyone. */
  private async replaceRoot(view: CardView, activity: Partial<Activity>): Promise<void> {
    if (view.platform !== 'teams') return;
    const channel = await this.threadChannel(view);
    await this.connector(channel, (client) => client.conversations.updateActivity(view.conversationId, view.activityId, { ...activity, id: view.activityId }));
  }

  /** A storm card is the first message of its own thread, like a case card. */
  async postStormCard(target: string, card: StormCard): Promise<CardView> {
    const channel = await this.channel(target);
    const view = await this.postThread(channel, cardActivity(renderStormAdaptiveCard(card), card.summary));
    await this.deps.store.set(STORM_CARD_RECORD(card.stormId, channel.id), view, CARD_RECORD_TTL_MS);
    return view;
  }

  /** Best effort, like {@link findCard}: only storm cards whose post was recorded here. */
  async findStormCard(target: string, stormId: string): Promise<CardView | undefined> {
    const found = await this.deps.channels.resolve(target);
    if (!found.ok) return undefined;
    return this.deps.store.get<CardView>(STORM_CARD_RECORD(stormId, found.channel.id));
  }

  async updateStormCard(view: CardView, card: StormCard): Promise<void> {
    await this.replaceRoot(view, cardActivity(renderStormAdaptiveCard(card), card.summary));
  }

  async postNote(view: CardView, text: string): Promise<void> {
    if (view.platform !== 'teams') return;
    const channel = await this.threadChannel(view);
    const activity = cardActivity(renderTeamsMessage({ lines: text.split('\n') }), text);
    await this.connector(channel, (client) => client.conversations.replyToActivity(view.conversationId, view.activityId, activity));
  }

  /**
   * A personal alert, as a proactive message in the person's 1:1 chat with the bot
   * (learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages).
   * Teams lets a bot write there only once the person has the app (installed for
   * themselves, or wrote to the bot): without a stored reference the alert is skipped.
   */
  async postDirect(userId: string, alert: AlertCard): Promise<CardView | undefined> {
    const person = await this.deps.personal?.get(userId);
    if (!person) return undefined;
    const activity = cardActivity(renderAlertAdaptiveCard(alert), alert.summary);
    const sent = await this.personalConnector(person, (client) => client.conversations.sendToConversation(person.conversationId, activity as Activity));
    if (!sent.id) throw new Error('Teams sent the message without telling its id');
    return { platform: 'teams', conversationId: person.conversationId, activityId: sent.id };
  }

  async updateDirect(view: CardView, alert: AlertCard): Promise<void> {
    if (view.platform !== 'teams') return;
    const person = await this.deps.personal?.byConversation(view.conversationId);
    if (!person) throw new RemoteRefusedError(`Earshot no longer knows the Teams personal chat ${view.conversationId}`);
    const activity = cardActivity(renderAlertAdaptiveCard(alert), alert.summary);
    await this.personalConnector(person, (client) => client.conversations.updateActivity(view.conversationId, view.activityId, { ...activity, id: view.activityId } as Activity));
  }

  async postNotice(target: string, text: string): Promise<void> {
    const channel = await this.channel(target);
    const activity = cardActivity(renderTeamsMessage({ lines: text.split('\n') }), text);
    await this.connector(channel, (client) => client.conversations.createConversation({
      isGroup: true, bot: { id: channel.bot.id, name: channel.bot.name ?? '' }, tenantId: channel.tenantId,
      channelData: { channel: { id: channel.id } }, activity: activity as Activity, members: [], topicName: '',
    }));
  }
}

/**
 * A message holding one Adaptive Card. `summary` is what notifications and the activity
 * feed show; there is no `text`, because Teams would render it as Markdown above the card.
 */
export function cardActivity(card: AdaptiveCard, summary: string): Partial<Activity> {
  return { type: 'message', summary: clip(sanitizeText(summary), 200), attachments: [{ contentType: ADAPTIVE_CARD_TYPE, content: card }] };
}

/**
 * Removes the connector client's retry policies (throttling and exponential backoff) so
 * a 429 or 5xx reaches the outbox at once. The pipeline is not part of the SDK's typed
 * surface; tests/chat/teams-gateway.test.ts fails if a 429 is retried here.
 */
function withoutRetries(client: ConnectorClient | undefined): void {
  const inner = (client as unknown as { client?: { pipeline?: { removePolicy(options: { phase: string }): unknown } } } | undefined)?.client;
  inner?.pipeline?.removePolicy({ phase: 'Retry' });
}
