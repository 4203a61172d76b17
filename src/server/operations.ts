import type { Express, NextFunction, Request, Response } from 'express';
import type { Config } from '../config/schema.js';
import type { Env } from '../config/env.js';
import { budgetLeft } from '../jobs/poll-budget.js';
import type { Outbox } from '../outbox/outbox.js';
import { RateLimits, type LimitSpec, type SharedLimitStore } from '../outbox/rate-limits.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { OpsMetrics, type MetricsSources } from './ops-metrics.js';
import type { SourceHealth } from './source-health.js';

/** Largest request body accepted on the bot's endpoints. Slack's payloads stay far below. */
export const MAX_BODY_BYTES = 1_000_000;

export interface BodyGuardOptions {
  /**
   * How long a refused body may go on arriving before the connection is cut (default 5 s).
   * The rest of it is read and thrown away meanwhile, never kept.
   */
  lingerMs?: number;
}

/**
 * Refuses requests that could exhaust the process before any SDK reads them: bodies over
 * {@link MAX_BODY_BYTES} (413), and POSTs without a Content-Length (411), which Slack and
 * Bot Framework always send; a chunked body could otherwise grow without bound.
 *
 * A refused body is not kept, but it is drained for up to `lingerMs` rather than cut off at
 * once (a "lingering close", as Apache and nginx do): closing a socket with unread data makes
 * the kernel send a reset, and a client still writing its body then loses the answer and sees
 * only ECONNRESET, where it should have seen why it was refused.
 */
export function bodyGuard(maxBytes = MAX_BODY_BYTES, opts: BodyGuardOptions = {}) {
  const lingerMs = opts.lingerMs ?? 5000;
  const refuse = (req: Request, res: Response, status: number, error: string): void => {
    res.status(status).json({ ok: false, error });
    // Node reads and discards the rest of an unread body once the answer is sent, and keeps
    // the connection; a body that never ends loses its connection after the linger time.
    if (req.complete) return;
    const cut = setTimeout(() => req.socket.destroy(), lingerMs);
    cut.unref();
    // The request's own 'close' (body read to its end, or connection gone): a listener on
    // the socket would stay for the life of a kept-alive connection, one per refusal.
    req.once('close', () => clearTimeout(cut));
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST' && req.method !== 'PUT') return next();
    const raw = req.headers['content-length'];
    if (raw === undefined) return refuse(req, res, 411, 'length_required');
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0) return refuse(req, res, 400, 'bad_content_length');
    if (n > maxBytes) return refuse(req, res, 413, 'payload_too_large');
    next();
  };
}

/** Wraps a check so it runs at most once per `ttlMs` (readiness probes come every few seconds). */
export function cachedCheck(check: () => Promise<boolean>, ttlMs: number, now: () => number = Date.now): () => Promise<boolean> {
  let last: { at: number; ok: boolean } | undefined;
  let running: Promise<boolean> | undefined;
  return async () => {
    if (last && now() - last.at < ttlMs) return last.ok;
    running ??= check().catch(() => false).then((ok) => { last = { at: now(), ok }; running = undefined; return ok; });
    return running;
  };
}

/**
 * The rate limits for this deployment, shared through the store (whatever its kind), so
 * every instance on one store spends one budget per channel, workspace and reply window.
 */
export function createRateLimits(store: SharedLimitStore, config: Config, log: Logger, overrides?: Partial<Record<string, LimitSpec>>): RateLimits {
  const l = config.limits;
  const specs: Partial<Record<string, LimitSpec>> = {
    'slack.post': { minTimeMs: 1000 / l.slack.postsPerSecond },
    'slack.update': { minTimeMs: 60_000 / l.slack.updatesPerMinute },
    'slack.read': { minTimeMs: 60_000 / l.slack.updatesPerMinute },
    'x.reply': { perWindow: l.replies.perWindow, windowMs: l.replies.window },
    ...overrides,
  };
  return new RateLimits({ log, specs, shared: store });
}

export interface OpsRoutesDeps extends OpsFiguresDeps {
  /** Is each chat surface reachable (cached)? */
  chatChecks: Record<string, () => Promise<boolean>>;
  /** Shutting down: /readyz says so, so a load balancer stops sending work. */
  draining: () => boolean;
}

/** Replies left in each network window the outbox spends (for /metrics and `/earshot budget`). */
export async function replyWindows(config: Config, limits: RateLimits): Promise<Array<{ resource: string; remaining: number }>> {
  const out: Array<{ resource: string; remaining: number }> = [];
  for (const s of config.sources.filter((x) => x.enabled)) {
    const resource = `${s.network}.reply:${s.name}`;
    const remaining = await limits.remaining(resource);
    if (remaining !== undefined) out.push({ resource, remaining });
  }
  return out;
}

/** Budget figures per source for /metrics. */
export async function sourceBudgets(config: Config, store: Store, now: number) {
  const out = [];
  for (const s of config.sources.filter((x) => x.enabled && x.budget)) {
    const b = await budgetLeft(store, s.name, s.budget!, now);
    out.push({ source: s.name, window: b.window, month: b.month, apiRemaining: b.apiRemaining });
  }
  return out;
}

/**
 * /healthz (the process answers), /readyz (the store and every chat surface are reachable,
 * and the process is not shutting down) and /metrics (Prometheus text format).
 */
export function mountOpsRoutes(http: Express, deps: OpsRoutesDeps): OpsMetrics {
  const metrics = new OpsMetrics(opsFigures(deps));
  http.get('/healthz', (_req, res) => { res.json({ ok: true }); });
  http.get('/readyz', async (_req, res) => {
    const [storeOk, ...chat] = await Promise.all([
      deps.store.ping().catch(() => false),
      ...Object.values(deps.chatChecks).map((c) => c()),
    ]);
    const chatStatus = Object.fromEntries(Object.keys(deps.chatChecks).map((k, i) => [k, chat[i]!]));
    const sources = Object.fromEntries(deps.health);
    const broken = Object.entries(sources).filter(([, h]) => !h.ok).map(([source, h]) => ({ source, error: h.lastError }));
    const draining = deps.draining();
    const ok = storeOk && chat.every(Boolean) && !draining;
    res.status(ok ? 200 : 503).json({ ok, store: storeOk, chat: chatStatus, draining, sources, broken });
  });
  http.get('/metrics', async (_req, res) => {
    try {
      res.set('content-type', metrics.contentType).send(await metrics.text());
    } catch (e) {
      res.status(500).type('text/plain').send(`metrics failed: ${(e as Error).message}`);
    }
  });
  return metrics;
}

/**
 * A network's pace as storm mode needs it: how many cards a minute the post limit lets
 * through, and how far apart updates of one card must be.
 */
export function stormPacing(limits: RateLimits): { capacityPerMinute: (platform: string) => number; updateSpacingMs: (platform: string) => number } {
  return {
    capacityPerMinute: (p) => 60_000 / Math.max(1, limits.spec(`${p}.post`)?.minTimeMs ?? 1000),
    updateSpacingMs: (p) => limits.spec(`${p}.update`)?.minTimeMs ?? 1200,
  };
}

export interface OpsFiguresDeps {
  config: Config;
  store: Store;
  limits: RateLimits;
  clock: Clock;
  outbox: Pick<Outbox, 'depth' | 'deadLetters' | 'inFlight'>;
  health: ReadonlyMap<string, SourceHealth>;
  /** A group's storm mode now. */
  stormMode: (group: string) => Promise<'normal' | 'storm'>;
}

/** Where each figure on /metrics comes from in a running Earshot. */
export function opsFigures(deps: OpsFiguresDeps): MetricsSources {
  const { config, store, limits, clock, outbox, health } = deps;
  return {
    outboxDepth: () => outbox.depth(),
    deadLetters: () => outbox.deadLetters(),
    inFlight: () => outbox.inFlight(),
    jobsLastSuccess: () => Object.fromEntries([...health.entries()].map(([name, h]) => [`listen-${name}`, h.lastSuccess ? Date.parse(h.lastSuccess) : undefined])),
    budgets: () => sourceBudgets(config, store, clock.now().getTime()),
    replyWindows: () => replyWindows(config, limits),
    stormGroups: async () => (await Promise.all(config.groups.map((g) => deps.stormMode(g.id)))).filter((m) => m === 'storm').length,
    streams: () => [...health.entries()].flatMap(([source, h]) => (h.stream ? [{ source, ...h.stream }] : [])),
  };
}
