import type { Store } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';

/**
 * What the bot must remember to write to one person in their 1:1 ("personal") chat with
 * it, unprompted: Bot Framework can only continue a conversation it knows, so the
 * reference (conversation id, service URL, tenant, the bot's id) is captured when the
 * person installs the app for themselves or writes to the bot 1:1, and kept in the Store
 * like the channel references (channel-references.ts).
 */
export interface TeamsPerson {
  /** The person's Entra ID (AAD) object id: what `teams:<id>` in the config names. */
  aadObjectId: string;
  /** The person as Bot Framework addresses them in this bot's chats (`29:…`). */
  userId: string;
  /** The personal chat's conversation id (`a:…`). */
  conversationId: string;
  tenantId?: string | undefined;
  serviceUrl: string;
  bot: { id: string; name?: string | undefined };
  updatedAt: string;
}

const PERSON = (aad: string) => `teams:personal:${aad}`;
const BY_CONVERSATION = (id: string) => `teams:personal-conversation:${id}`;

/** Teams personal-chat references in the Store, by person and by conversation. */
export class PersonalReferences {
  constructor(private readonly store: Store, private readonly clock: Clock) {}

  get(aadObjectId: string): Promise<TeamsPerson | undefined> {
    return this.store.get<TeamsPerson>(PERSON(aadObjectId));
  }

  async byConversation(conversationId: string): Promise<TeamsPerson | undefined> {
    const aad = await this.store.get<string>(BY_CONVERSATION(conversationId));
    return aad ? this.get(aad) : undefined;
  }

  /** Records or refreshes a person's chat; written only when something changed (it runs on every 1:1 message). */
  async save(person: Omit<TeamsPerson, 'updatedAt'>): Promise<void> {
    const before = await this.get(person.aadObjectId);
    if (before && before.conversationId === person.conversationId && before.serviceUrl === person.serviceUrl && before.bot.id === person.bot.id && before.userId === person.userId) return;
    await this.store.set(PERSON(person.aadObjectId), { ...person, updatedAt: this.clock.now().toISOString() });
    await this.store.set(BY_CONVERSATION(person.conversationId), person.aadObjectId);
  }
}

/** The parts of an inbound activity that locate a personal chat. */
interface ActivityLike {
  from?: { id?: string; aadObjectId?: string } | undefined;
  conversation?: { id?: string; conversationType?: string; tenantId?: string } | undefined;
  recipient?: { id?: string; name?: string } | undefined;
  serviceUrl?: string | undefined;
  channelData?: unknown;
}

/**
 * Keeps the reference of a person's 1:1 chat with the bot from any activity in it (the app
 * installed for them, a message, a click), so personal alerts can reach them later.
 */
export async function rememberPersonalChat(personal: PersonalReferences, a: ActivityLike): Promise<void> {
  const aad = a.from?.aadObjectId;
  const conversation = a.conversation;
  if (conversation?.conversationType !== 'personal' || !conversation.id || !aad || !a.from?.id || !a.serviceUrl || !a.recipient?.id) return;
  const tenant = (a.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
  await personal.save({
    aadObjectId: aad, userId: a.from.id, conversationId: conversation.id, tenantId: conversation.tenantId ?? tenant,
    serviceUrl: a.serviceUrl, bot: { id: a.recipient.id, name: a.recipient.name },
  });
}
