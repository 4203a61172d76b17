import type { Config } from '../config/schema.js';
import { formatSummary } from '../metrics/format-summary.js';
import { addDays, dayKey } from '../domain/days.js';
import { rangePeriod } from '../metrics/period.js';
import { metricsFor } from '../metrics-store/rollup-store.js';
import type { Outbox } from '../outbox/outbox.js';
import type { Store } from '../store/store.js';
import { agentLabels, openCases } from './metrics-commands.js';
import type { PeopleNames } from './people-directory.js';
import type { CaseRepository } from './case-repository.js';
import { enqueueDelivery } from './delivery-kinds.js';
import { teamsLeadChannels } from './escalations.js';

export interface DigestDeps {
  store: Store;
  repo: CaseRepository;
  config: Config;
  outbox: Outbox;
  charts?: (summary: Awaited<ReturnType<typeof metricsFor>>) => Promise<Array<{ filename: string; title: string; png: Buffer }>>;
  /** Display names for the per-agent line; without it people show as ids. */
  names?: PeopleNames | undefined;
}

/** The period a digest covers at `now`: yesterday (daily) or the 7 days before today (weekly). */
export function digestPeriod(now: Date, every: 'daily' | 'weekly', zone: string) {
  const today = dayKey(now.toISOString(), zone);
  const to = addDays(today, -1);
  const from = every === 'daily' ? to : addDays(today, -7);
  return rangePeriod(from, to);
}

/**
 * Composes the managers' digest and hands it to the outbox (text first, then the charts,
 * in one lane so they arrive in that order). Sent at most once per period across
 * instances and restarts: the period's key is claimed with set-if-absent.
 */
export async function runDigest(deps: DigestDeps, now: Date): Promise<'sent' | 'already-sent' | 'not-configured'> {
  const d = deps.config.metrics.digest;
  if (!d) return 'not-configured';
  const zone = d.timezone ?? deps.config.metrics.timezone;
  const period = digestPeriod(now, d.every, zone);
  if (!(await deps.store.insertIfAbsent(`digest:${d.every}:${period.from}..${period.to}`, now.toISOString()))) return 'already-sent';
  const open = (await openCases(deps)).map((c) => ({ id: c.id, group: c.group, createdAt: c.createdAt }));
  const summary = await metricsFor(deps.store, period, undefined, { now: now.toISOString(), timezone: deps.config.metrics.timezone, open, campaigns: deps.config.metrics.campaigns });
  const title = `Earshot ${d.every} digest · ${period.from === period.to ? period.from : `${period.from} – ${period.to}`}`;
  const lane = `digest:${period.from}`;
  // The digest's channel is chosen in the config for the managers: it keeps the per-agent line (see PERMISSIONS, `digest`).
  // Same layout as the command, headline first; with the details, since no one can ask the digest for them.
  const labels = await agentLabels(summary, deps.names);
  const text = `${title}\n\n${formatSummary(summary, { style: 'plain', details: true, agentLabel: (k) => labels.get(k) ?? k })}`;
  await enqueueDelivery(deps.outbox, 'notice.post', { platform: 'slack', target: d.channel, text }, { lane });
  // Groups bound to Teams: the same text in their Teams lead channels (the charts stay in Slack).
  for (const target of teamsLeadChannels(deps.config)) await enqueueDelivery(deps.outbox, 'notice.post', { platform: 'teams', target, text }, { lane });
  for (const image of (await deps.charts?.(summary)) ?? []) {
    await enqueueDelivery(deps.outbox, 'image.post', { platform: 'slack', target: d.channel, title: image.title, filename: image.filename, png: image.png.toString('base64') }, { lane });
  }
  return 'sent';
}
