import { SYSTEM } from '../domain/actor.js';
import type { Case, PrivateEntry, Reply } from '../domain/case.js';
import { RemoteRefusedError } from '../domain/remote-errors.js';
import type { MentionSource } from '../sources/mention-source.js';
import type { Logger } from '../util/logger.js';
import type { CaseService } from './case-service.js';
import { limitedCall, type CallLimiter } from './delivery-resources.js';
import { privateRoute } from './private-channel.js';

export interface PrivateDeliveryDeps {
  cases: CaseService;
  sources: ReadonlyMap<string, MentionSource>;
  log: Logger;
  dryRun: boolean;
  limits?: CallLimiter | undefined;
}

/** When the send that is under way began (the last `send` entry): a copy of ours found since then is this one. */
function sendingSince(c: Case): number {
  const e = [...c.audit].reverse().find((x) => x.action === 'send');
  return Date.parse(e?.at ?? c.updatedAt);
}

/**
 * Sends a case's approved private draft exactly once: a direct message to the author
 * when the network and the account's access allow it, else a public reply inviting a DM.
 * `unsure`: an earlier attempt (or an earlier life) may have reached the network, so
 * look for our message first (findPrivate, findReply) and record that one instead.
 * A refusal by the network ends in `send_failed` (the draft stays approved); anything
 * else is thrown for the outbox to retry.
 */
export async function sendPrivateDraft(deps: PrivateDeliveryDeps, c: Case, unsure: boolean): Promise<void> {
  const { cases, log } = deps;
  const limited = limitedCall(deps.limits);
  const text = c.draft!.text;
  const source = deps.sources.get(c.mention.source);
  const fail = (error: string) => cases.apply(c.id, { type: 'send_failed', error }, SYSTEM);
  if (!source) return void (await fail(`the source "${c.mention.source}" is not configured any more`));
  const route = await privateRoute(c, deps.sources);
  const record = async (via: 'dm' | 'invitation', message: PrivateEntry, reply?: Reply) => {
    const r = await cases.apply(c.id, { type: 'private_sent', via, message, ...(reply ? { reply } : {}) }, SYSTEM);
    if (!r.ok) log.error({ caseId: c.id, refusal: r.refusal }, 'private message sent but the case could not record it');
  };
  if (deps.dryRun) {
    log.info({ caseId: c.id, network: c.mention.network, via: route.via, text }, 'DRY_RUN: private message not sent');
    return record(route.via, { id: `dry-run-${c.id}-${c.version}`, direction: 'out', text, at: c.updatedAt });
  }
  try {
    if (route.via === 'dm') {
      const pm = source.private!;
      const to = { id: c.mention.author.id, handle: c.mention.author.handle };
      const found = unsure ? await pm.findPrivate(to, text, sendingSince(c)) : undefined;
      const sent = found ?? (await limited(`${c.mention.network}.reply:${source.name}`, () => pm.sendPrivate(to, text)));
      return await record('dm', { id: sent.id, direction: 'out', text: sent.text, at: sent.at });
    }
    if (!source.canReply) return void (await fail(`${c.mention.network} cannot start a DM here (${route.reason}), and replies cannot be posted through it either`));
    const problem = cases.replyCheck(c)(text);
    if (problem) return void (await fail(`the invitation is a public reply (${route.reason}): ${problem}`));
    const found = unsure ? await source.findReply(c.mention, text) : undefined;
    const reply = found ?? (await limited(`${c.mention.network}.reply:${source.name}`, () => source.reply(c.mention, text)));
    return await record('invitation', { id: reply.id, direction: 'out', text: reply.text, at: reply.at }, reply);
  } catch (e) {
    if (e instanceof RemoteRefusedError) return void (await fail(e.message));
    throw e;
  }
}
