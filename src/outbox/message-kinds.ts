import type * as z from 'zod';
import { DeliveryPermanentError } from './delivery-errors.js';
import type { Outbox, OutboxItem } from './outbox.js';

/** How a kind names its lane: from the payload, or `'given'` by whoever enqueues it. */
export type LaneRule<S extends z.ZodType> = ((payload: z.output<S>) => string) | 'given';

/**
 * One kind of outbox message: the shape of its payload (checked when an item is read back
 * from the store, since the store keeps whatever an older or newer version wrote), the lane
 * it is ordered on (the outbox key), the coalescing slot it takes, if any, and the
 * rate-limited resource it spends (see {@link DeliveryGate}).
 */
export interface MessageKind<S extends z.ZodType, Ctx, L extends LaneRule<S> = LaneRule<S>> {
  payload: S;
  lane: L;
  coalesce?: ((payload: z.output<S>) => string) | undefined;
  resource?: ((payload: z.output<S>, ctx: Ctx) => string | undefined | Promise<string | undefined>) | undefined;
}

// `any` in the table's bound only: each entry keeps its own schema through `messageKind`.
export type KindTable<Ctx> = Record<string, MessageKind<any, Ctx>>;

/** An entry of a kind table, with its payload type and lane rule kept (for the typed helpers). */
export function messageKind<Ctx>() {
  return <S extends z.ZodType, const L extends LaneRule<S>>(spec: MessageKind<S, Ctx, L>): MessageKind<S, Ctx, L> => spec;
}

export type PayloadIn<T extends KindTable<never>, K extends keyof T> = z.input<T[K]['payload']>;
export type PayloadOut<T extends KindTable<never>, K extends keyof T> = z.output<T[K]['payload']>;

/** What enqueuing a kind takes besides its payload: its lane when the kind leaves it to the caller. */
export type EnqueueOptions<T extends KindTable<never>, K extends keyof T> =
  { delayMs?: number | undefined } & (T[K]['lane'] extends 'given' ? { lane: string } : { lane?: never });

/** A handler of one kind: its payload as checked, and the item (attempts, id, key). */
export type KindHandler<T extends KindTable<never>, K extends keyof T> = (payload: PayloadOut<T, K>, item: OutboxItem) => Promise<void>;

/** One handler per kind of the table. */
export type KindHandlers<T extends KindTable<never>> = { [K in keyof T]: KindHandler<T, K> };

/** A message read back from the store: the union of every kind with its payload. */
export type KindMessage<T extends KindTable<never>> = { [K in keyof T]: { kind: K; payload: PayloadOut<T, K> } }[keyof T];

/**
 * Typed access to the outbox for one table of kinds. The outbox itself stays untyped
 * (items are whatever the store holds); this is the boundary where payloads are written
 * from checked types and read back through their schemas.
 */
export class MessageKinds<T extends KindTable<Ctx>, Ctx> {
  constructor(readonly table: T) {}

  /** A table whose resource rules look things up in `Ctx`. */
  static of<Ctx>() {
    return <T extends KindTable<Ctx>>(table: T): MessageKinds<T, Ctx> => new MessageKinds<T, Ctx>(table);
  }

  /** The kinds of the table. */
  kinds(): Array<keyof T & string> {
    return Object.keys(this.table);
  }

  has(kind: string): kind is keyof T & string {
    return Object.hasOwn(this.table, kind);
  }

  /** Enqueues a message on its kind's lane and coalescing slot; false when coalesced (see {@link Outbox.enqueue}). */
  enqueue<K extends keyof T & string>(outbox: Pick<Outbox, 'enqueue'>, kind: K, payload: PayloadIn<T, K>, ...opts: {} extends EnqueueOptions<T, K> ? [EnqueueOptions<T, K>?] : [EnqueueOptions<T, K>]): Promise<boolean> {
    const spec = this.table[kind];
    if (!spec) throw new Error(`no outbox kind ${kind}`);
    const o = (opts[0] ?? {}) as { delayMs?: number; lane?: string };
    // The rules read the payload as written; no schema runs here (the types checked it).
    const p = payload as PayloadOut<T, K>;
    const lane = spec.lane === 'given' ? o.lane : (spec.lane as (x: unknown) => string)(p);
    if (lane === undefined) throw new Error(`an outbox item of kind ${kind} needs its lane`);
    const extra: { coalesce?: string; delayMs?: number } = {};
    if (spec.coalesce) extra.coalesce = spec.coalesce(p);
    if (o.delayMs !== undefined) extra.delayMs = o.delayMs;
    return outbox.enqueue(kind, lane, payload as Record<string, unknown>, extra);
  }

  /**
   * Reads an item's payload through its kind's schema. A malformed payload can never be
   * delivered, so it is a permanent failure: the outbox moves the item to the dead letters.
   */
  read<K extends keyof T & string>(kind: K, item: OutboxItem): PayloadOut<T, K> {
    const spec = this.table[kind];
    const parsed = spec?.payload.safeParse(item.payload);
    if (!parsed?.success) {
      // Paths and messages only: the values may be personal data.
      const why = parsed ? parsed.error.issues.map((i: z.core.$ZodIssue) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ') : 'unknown kind';
      throw new DeliveryPermanentError(`a ${item.kind} item with a malformed payload (${why})`);
    }
    return parsed.data as PayloadOut<T, K>;
  }

  /** Registers the handler of one kind; it sees only payloads its schema accepts. */
  on<K extends keyof T & string>(outbox: Pick<Outbox, 'on'>, kind: K, handler: KindHandler<T, K>): void {
    outbox.on(kind, (item) => handler(this.read(kind, item), item));
  }

  /** Registers the handlers of several kinds (a room's share of the table). */
  register<K extends keyof T & string>(outbox: Pick<Outbox, 'on'>, handlers: Pick<KindHandlers<T>, K>): void {
    for (const kind of Object.keys(handlers) as K[]) this.on(outbox, kind, handlers[kind]);
  }

  /** The resource an item spends, by its kind's rule; none for an unknown kind or a malformed payload (it is buried when delivered). */
  async resourceOf(item: OutboxItem, ctx: Ctx): Promise<string | undefined> {
    if (!this.has(item.kind)) return undefined;
    const spec = this.table[item.kind]!;
    if (!spec.resource) return undefined;
    const parsed = spec.payload.safeParse(item.payload);
    return parsed.success ? spec.resource(parsed.data, ctx) : undefined;
  }
}
