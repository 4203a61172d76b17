import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OutboxItem } from '../outbox/outbox.js';

/** Everything /metrics reads at scrape time. */
export interface MetricsSources {
  outboxDepth(): Promise<number>;
  deadLetters(): Promise<number>;
  inFlight(): number;
  /** Last successful run per job (ms since epoch). */
  jobsLastSuccess(): Record<string, number | undefined>;
  /** Requests left per source: in the current window and this month. */
  budgets(): Promise<Array<{ source: string; window: number; month?: number | undefined; apiRemaining?: number | undefined }>>;
  /** Calls left in the current window of the network reply limits. */
  replyWindows(): Promise<Array<{ resource: string; remaining: number }>>;
  stormGroups(): Promise<number>;
  /** Sources in stream mode, as this instance sees them. */
  streams?(): Array<{ source: string; holder: boolean; connected: boolean; reconnects: number; malformed: number }>;
}

/**
 * The Prometheus metrics (prom-client), in a registry of their own so tests and several
 * instances in one process do not share counters. Gauges read their value when scraped.
 */
export class OpsMetrics {
  readonly registry = new Registry();
  private readonly delivered: Counter<'kind'>;
  private readonly rateLimited: Counter<'kind'>;
  private readonly dead: Counter<'kind'>;
  private readonly latency: Histogram<'kind'>;

  constructor(src: MetricsSources) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'earshot_' });
    this.delivered = new Counter({ name: 'earshot_deliveries_total', help: 'Outbox items delivered, by kind', labelNames: ['kind'], registers: [r] });
    this.rateLimited = new Counter({ name: 'earshot_rate_limited_total', help: 'Answers of 429 (rate limited) from chat and network APIs, by outbox kind', labelNames: ['kind'], registers: [r] });
    this.dead = new Counter({ name: 'earshot_dead_letters_total', help: 'Outbox items that failed for good, by kind', labelNames: ['kind'], registers: [r] });
    this.latency = new Histogram({
      name: 'earshot_delivery_latency_seconds',
      help: 'Time from enqueue to delivered, by outbox kind',
      labelNames: ['kind'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 900, 3600],
      registers: [r],
    });
    new Gauge({ name: 'earshot_outbox_depth', help: 'Outbox items waiting (all instances)', registers: [r], async collect() { this.set(await src.outboxDepth()); } });
    new Gauge({ name: 'earshot_outbox_dead_letters', help: 'Outbox items in the dead-letter list', registers: [r], async collect() { this.set(await src.deadLetters()); } });
    new Gauge({ name: 'earshot_outbox_in_flight', help: 'Deliveries under way in this instance', registers: [r], collect() { this.set(src.inFlight()); } });
    new Gauge({
      name: 'earshot_job_last_success_timestamp_seconds',
      help: 'When each job last succeeded (Unix seconds)',
      labelNames: ['job'],
      registers: [r],
      collect() {
        this.reset();
        for (const [job, at] of Object.entries(src.jobsLastSuccess())) if (at !== undefined) this.set({ job }, Math.floor(at / 1000));
      },
    });
    new Gauge({
      name: 'earshot_source_budget_remaining',
      help: 'Requests left in the source budget (window: the current rate-limit window; month: this calendar month; api: x-rate-limit-remaining as last reported)',
      labelNames: ['source', 'period'],
      registers: [r],
      async collect() {
        this.reset();
        for (const b of await src.budgets()) {
          this.set({ source: b.source, period: 'window' }, b.window);
          if (b.month !== undefined) this.set({ source: b.source, period: 'month' }, b.month);
          if (b.apiRemaining !== undefined) this.set({ source: b.source, period: 'api' }, b.apiRemaining);
        }
      },
    });
    new Gauge({
      name: 'earshot_reply_window_remaining',
      help: 'Public replies left in the current network window, per account',
      labelNames: ['resource'],
      registers: [r],
      async collect() {
        this.reset();
        for (const w of await src.replyWindows()) this.set({ resource: w.resource }, w.remaining);
      },
    });
    streamGauges(r, src);
    new Gauge({ name: 'earshot_storm_groups', help: 'Groups in storm mode now', registers: [r], async collect() { this.set(await src.stormGroups()); } });
  }

  onDelivered = (item: OutboxItem, latencyMs: number): void => {
    this.delivered.inc({ kind: item.kind });
    this.latency.observe({ kind: item.kind }, latencyMs / 1000);
  };

  onRateLimited = (item: OutboxItem): void => {
    this.rateLimited.inc({ kind: item.kind });
  };

  onDead = (item: OutboxItem): void => {
    this.dead.inc({ kind: item.kind });
  };

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Per source in stream mode: connected (on this instance), reconnects and malformed lines since start. */
function streamGauges(r: Registry, src: MetricsSources): void {
  const figure = (name: string, help: string, read: (s: ReturnType<NonNullable<MetricsSources['streams']>>[number]) => number) =>
    new Gauge({
      name, help, labelNames: ['source'], registers: [r],
      collect() {
        this.reset();
        for (const s of src.streams?.() ?? []) this.set({ source: s.source }, read(s));
      },
    });
  figure('earshot_stream_connected', 'A source stream connected on this instance (1) or not (0)', (s) => (s.connected ? 1 : 0));
  figure('earshot_stream_holder', 'This instance holds the source stream lease (1) or not (0)', (s) => (s.holder ? 1 : 0));
  figure('earshot_stream_reconnects', 'Stream connections that ended and were made again, since this instance started', (s) => s.reconnects);
  figure('earshot_stream_malformed_lines', 'Stream lines or frames that could not be read and were skipped, since this instance started', (s) => s.malformed);
}
