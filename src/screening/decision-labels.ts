import type { Case } from '../domain/case.js';
import type { TextLabels } from './text-model.js';

/** The staff decisions the text model learns from. */
export type Decision = 'reroute' | 'retag' | 'ignore';

/**
 * Ignore reasons that say the post is not for the team at all (spam, not about the brand):
 * these teach intent "other". "No reply needed" does not: praise needs no reply either.
 */
export const NOT_FOR_US_REASONS: readonly string[] = ['Spam or a bot', 'Not about us'];

/**
 * The labels a change of a case teaches, if it is a staff decision: moving the case to
 * another group teaches its topic; correcting a sentiment or an intent teaches that tag;
 * ignoring it as spam or not about us teaches intent "other". Pure.
 *
 * `topicOf` names the topic label of a group (the model's topic that routes there, or the
 * group id itself).
 */
export function decisionLabels(prev: Case | undefined, next: Case, topicOf: (group: string) => string): { decision: Decision; labels: TextLabels } | undefined {
  if (!prev || next.version === prev.version) return undefined;
  const last = next.audit[next.audit.length - 1];
  if (!last || last.actor.platform === 'system') return undefined;
  switch (last.action) {
    case 'reroute':
      return prev.group !== next.group ? { decision: 'reroute', labels: { topic: topicOf(next.group) } } : undefined;
    case 'retag': {
      const labels: TextLabels = {};
      if (next.screening.sentiment && next.screening.sentiment !== prev.screening.sentiment) labels.sentiment = next.screening.sentiment;
      if (next.screening.intent && next.screening.intent !== prev.screening.intent) labels.intent = next.screening.intent;
      return Object.keys(labels).length > 0 ? { decision: 'retag', labels } : undefined;
    }
    case 'ignore':
      return next.ignored && NOT_FOR_US_REASONS.includes(next.ignored.reason) ? { decision: 'ignore', labels: { intent: 'other' } } : undefined;
    default:
      return undefined;
  }
}

/** The topic label that routes to `group` in a model's topic → group map (else the group id). */
export function topicForGroup(topicGroups: Readonly<Record<string, string>>, group: string): string {
  for (const [topic, g] of Object.entries(topicGroups)) if (g === group) return topic;
  return group;
}
