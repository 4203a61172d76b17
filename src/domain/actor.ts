import * as z from 'zod';

export const ActorSchema = z.object({
  platform: z.enum(['slack', 'teams', 'system']),
  /** Slack user id (U…), Teams AAD object id, or a system component name. */
  id: z.string().min(1),
  name: z.string().optional(),
});
/** Someone (or something) acting on a case. */
export type Actor = z.infer<typeof ActorSchema>;

export const SYSTEM: Actor = { platform: 'system', id: 'earshot', name: 'Earshot' };

export const sameActor = (a: Actor | undefined, b: Actor | undefined): boolean =>
  !!a && !!b && a.platform === b.platform && a.id === b.id;

export const actorLabel = (a: Actor): string => a.name ?? a.id;
