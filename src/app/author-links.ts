import { actorLabel, type Actor } from '../domain/actor.js';
import { AuthorRefInvalidError, normaliseHandle, parseAuthorRef as parseRef } from '../domain/author-ref.js';
import type { Network } from '../domain/mention.js';

export { AuthorRefInvalidError, normaliseHandle };
import type { Store } from '../store/store.js';
import type { CommandRouter } from './commands.js';

/**
 * Cross-network identity, decided by people only. Earshot never merges authors on its
 * own: "jane" on X and "jane.bsky.social" on Bluesky are two authors until a member of
 * staff links them (`link x:jane bluesky:jane.bsky.social`). Linked identities form one
 * person; each link and unlink is recorded with who did it and when.
 *
 * Kept on the Store port: `author-link:<network>:<handle>` names the person an identity
 * belongs to, `author-person:<id>` holds the person's identities and history (changed
 * with compare-and-set, so two staff linking at once cannot lose either change).
 */

/** One identity: a handle on a network. */
export interface AuthorRef { network: Network; handle: string }

export interface PersonRecord {
  id: string;
  members: string[];
  history: Array<{ action: 'link' | 'unlink'; refs: string[]; by: string; at: string }>;
}

export class AuthorLinkConflictError extends Error {
  readonly code = 'AUTHOR_LINK_CONFLICT';
  constructor() {
    super('the author links kept changing while this change was made; try again');
    this.name = 'AuthorLinkConflictError';
  }
}

export class AuthorCommandUsageError extends Error {
  readonly code = 'AUTHOR_COMMAND_USAGE';
  constructor(example: string) {
    super(`Usage: ${example}`);
    this.name = 'AuthorCommandUsageError';
  }
}

const LINK = (ref: string) => `author-link:${ref}`;
const PERSON = (id: string) => `author-person:${id}`;

/** Parses `network:handle` (see the domain's parser) and normalises the handle as the network compares it. */
export function parseAuthorRef(input: string): AuthorRef {
  const { network, who } = parseRef(input);
  return { network, handle: normaliseHandle(network, who) };
}

export const refKey = (r: AuthorRef): string => `${r.network}:${normaliseHandle(r.network, r.handle)}`;

/** The store of staff-made links between one person's identities on several networks. */
export class AuthorLinks {
  constructor(private readonly store: Store) {}

  /** Every identity linked to this one, itself included (just itself when unlinked). */
  async identities(ref: AuthorRef): Promise<string[]> {
    const id = await this.store.get<string>(LINK(refKey(ref)));
    const person = id ? await this.store.get<PersonRecord>(PERSON(id)) : undefined;
    return person ? [...person.members].sort() : [refKey(ref)];
  }

  /** The person record of an identity, if staff linked it. */
  async personOf(ref: AuthorRef): Promise<PersonRecord | undefined> {
    const id = await this.store.get<string>(LINK(refKey(ref)));
    return id ? this.store.get<PersonRecord>(PERSON(id)) : undefined;
  }

  /** Links two identities as one person (joining the people they already belong to). */
  async link(a: AuthorRef, b: AuthorRef, by: Actor, now: Date): Promise<string[]> {
    const ka = refKey(a);
    const kb = refKey(b);
    if (ka === kb) return [ka];
    for (let attempt = 0; attempt < 10; attempt++) {
      const pa = await this.store.get<string>(LINK(ka));
      const pb = await this.store.get<string>(LINK(kb));
      const entry = { action: 'link' as const, refs: [ka, kb], by: actorLabel(by), at: now.toISOString() };
      if (!pa && !pb) {
        const id = String(await this.store.incr('seq:author-person'));
        if (!(await this.store.insertIfAbsent(LINK(ka), id))) continue;
        if (!(await this.store.insertIfAbsent(LINK(kb), id))) {
          await this.store.delete(LINK(ka));
          continue;
        }
        await this.store.set(PERSON(id), { id, members: [ka, kb], history: [entry] } satisfies PersonRecord);
        return [ka, kb].sort();
      }
      if (pa && pa === pb) return this.identities(a);
      // Join into the person one of them already is; the other's person (if any) is folded in.
      const into = pa ?? pb!;
      const other = pa ? kb : ka;
      const from = pa && pb && pa !== pb ? pb : undefined;
      const target = await this.store.getVersioned<PersonRecord>(PERSON(into));
      if (!target) continue;
      const folded = from ? await this.store.get<PersonRecord>(PERSON(from)) : undefined;
      if (from && !folded) continue;
      // An identity not yet linked is claimed first, so a concurrent link cannot take it too.
      const claimed = from ? true : await this.store.insertIfAbsent(LINK(other), into);
      if (!claimed) continue;
      const moving = folded ? folded.members : [other];
      const members = [...new Set([...target.value.members, ...moving])];
      const history = [...target.value.history, ...(folded?.history ?? []), entry];
      if (!(await this.store.compareAndSet(PERSON(into), target.token, { id: into, members, history } satisfies PersonRecord))) {
        if (!from) await this.store.delete(LINK(other));
        continue;
      }
      if (folded) {
        for (const m of folded.members) await this.store.set(LINK(m), into);
        await this.store.delete(PERSON(from!));
      }
      return [...members].sort();
    }
    throw new AuthorLinkConflictError();
  }

  /** Detaches an identity from the person it was linked to. False when it was not linked. */
  async unlink(ref: AuthorRef, by: Actor, now: Date): Promise<{ unlinked: boolean; remaining: string[] }> {
    const key = refKey(ref);
    for (let attempt = 0; attempt < 10; attempt++) {
      const id = await this.store.get<string>(LINK(key));
      if (!id) return { unlinked: false, remaining: [] };
      const person = await this.store.getVersioned<PersonRecord>(PERSON(id));
      if (!person) {
        await this.store.delete(LINK(key));
        return { unlinked: true, remaining: [] };
      }
      const members = person.value.members.filter((m) => m !== key);
      const history = [...person.value.history, { action: 'unlink' as const, refs: [key], by: actorLabel(by), at: now.toISOString() }];
      if (!(await this.store.compareAndSet(PERSON(id), person.token, { id, members, history } satisfies PersonRecord))) continue;
      await this.store.delete(LINK(key));
      if (members.length <= 1) {
        // One identity alone is no link: dissolve the person.
        for (const m of members) await this.store.delete(LINK(m));
        await this.store.delete(PERSON(id));
        return { unlinked: true, remaining: [] };
      }
      return { unlinked: true, remaining: [...members].sort() };
    }
    throw new AuthorLinkConflictError();
  }
}

/** `link`, `unlink` and `links`: staff decide which identities on several networks are one person. */
export function registerAuthorLinkCommands(commands: CommandRouter, deps: { store: Store }): void {
  const links = new AuthorLinks(deps.store);
  const refs = (args: string[], n: number, usage: string): AuthorRef[] => {
    if (args.length !== n) throw new AuthorCommandUsageError(usage);
    return args.map(parseAuthorRef);
  };
  const answer = async <T>(fn: () => Promise<T>, ok: (v: T) => string[]) => {
    try {
      return { lines: ok(await fn()) };
    } catch (e) {
      if (e instanceof AuthorRefInvalidError || e instanceof AuthorLinkConflictError || e instanceof AuthorCommandUsageError) return { lines: [e.message] };
      throw e;
    }
  };
  commands.register({
    name: 'link',
    usage: 'link <network>:<handle> <network>:<handle>',
    permission: 'authors.links',
    description: 'Record that two identities (e.g. x:jane bluesky:jane.bsky.social) are the same person',
    run: (args, ctx) => answer(async () => {
      const [a, b] = refs(args, 2, 'link x:jane bluesky:jane.bsky.social');
      return links.link(a!, b!, ctx.actor, ctx.now);
    }, (members) => [`Linked as one person: ${members.join(', ')}.`]),
  });
  commands.register({
    name: 'unlink',
    usage: 'unlink <network>:<handle>',
    permission: 'authors.links',
    description: 'Detach an identity from the person it was linked to',
    run: (args, ctx) => answer(async () => {
      const [a] = refs(args, 1, 'unlink x:jane');
      return { ref: refKey(a!), ...(await links.unlink(a!, ctx.actor, ctx.now)) };
    }, (r) => (!r.unlinked ? [`${r.ref} was not linked to anyone.`] : r.remaining.length > 0 ? [`${r.ref} is no longer linked. Still one person: ${r.remaining.join(', ')}.`] : [`${r.ref} is no longer linked to anyone.`])),
  });
  commands.register({
    name: 'links',
    usage: 'links <network>:<handle>',
    permission: 'authors.links',
    description: 'Show the identities linked to an author, and who linked them',
    run: (args) => answer(async () => {
      const [a] = refs(args, 1, 'links x:jane');
      return { ref: refKey(a!), person: await links.personOf(a!) };
    }, ({ ref, person }) => (!person ? [`${ref} is not linked to anyone: on each network it is its own author.`] : [
      `One person: ${[...person.members].sort().join(', ')}.`,
      ...person.history.map((h) => `${h.at.replace('T', ' ').slice(0, 16)} UTC: ${h.by} ${h.action === 'link' ? 'linked' : 'unlinked'} ${h.refs.join(' and ')}`),
    ])),
  });
}
