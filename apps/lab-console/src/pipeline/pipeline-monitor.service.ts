import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { LabConsoleConfig } from '../lab-console.config';
import { LAB_CONSOLE_CONFIG } from '../tokens';
import { readStatus, verdictOf, type HealthAnswer, type PipelineStatus } from '@acme/lab-core';
import { probeApp, probeDuplicates, probeMetrics } from './app-probes';
import { MetricsPage, type HistogramData } from './metrics-page';
import { RabbitProbe } from './rabbit-probe';
import { counterRate, histogramDelta, intervalQuantile, type CounterReading } from './rates';
import { APP_NAMES, type AppName, type AppStatus, type Snapshot, type SystemCounts } from './snapshot';
import { SystemStores } from './system-stores';

const SAMPLE_EVERY_MS = 1_000;
const HISTORY_MS = 5 * 60 * 1_000;
/** Rates and the figures' percentiles are taken over the last few seconds: steadier than one second. */
const RATE_WINDOW_MS = 5_000;

type CounterName = 'stored' | 'storedOutbox' | 'storedDirect' | 'published' | 'projected' | 'duplicates' | 'deadLettered' | 'retried';

/** What one sample read from the apps' /metrics (null: the app or the metric was missing). */
interface Reading extends Record<CounterName, number | null> {
  at: number;
  /** Per app, the instances whose counters were added up (see counterRate). */
  sources: Partial<Record<AppName, string>>;
  backlog: number | null;
  parked: number | null;
  lastLag: number | null;
  lag: HistogramData | null;
  confirm: HistogramData | null;
  /** p50 of the lag of the events applied since the previous sample. */
  lagP50: number | null;
}

/** The app whose /metrics each counter comes from. */
const COUNTER_APP: Record<CounterName, AppName> = {
  stored: 'command-api',
  storedOutbox: 'command-api',
  storedDirect: 'command-api',
  published: 'event-processor',
  projected: 'proposal-subscriber',
  duplicates: 'proposal-subscriber',
  deadLettered: 'proposal-subscriber',
  retried: 'proposal-subscriber',
};

function read(at: number, metrics: Partial<Record<AppName, MetricsPage>>, sources: Reading['sources']): Omit<Reading, 'lagP50'> {
  const command = metrics['command-api'];
  const processor = metrics['event-processor'];
  const subscriber = metrics['proposal-subscriber'];
  return {
    at,
    sources,
    stored: command?.value('acme_events_stored_total') ?? null,
    storedOutbox: command?.value('acme_events_stored_total', { mode: 'outbox' }) ?? null,
    storedDirect: command?.value('acme_events_stored_total', { mode: 'direct' }) ?? null,
    backlog: processor?.value('acme_outbox_backlog', { state: 'waiting' }) ?? null,
    parked: processor?.value('acme_outbox_backlog', { state: 'parked' }) ?? null,
    published: processor?.value('acme_events_published_total') ?? null,
    confirm: processor?.histogram('acme_publish_confirm_seconds') ?? null,
    projected: subscriber?.value('acme_events_projected_total') ?? null,
    duplicates: subscriber?.value('acme_duplicates_total') ?? null,
    deadLettered: subscriber?.value('acme_dead_lettered_total') ?? null,
    retried: subscriber?.value('acme_events_retried_total') ?? null,
    lag: subscriber?.histogram('acme_projection_lag_seconds') ?? null,
    lastLag: subscriber?.value('acme_projection_last_lag_seconds') ?? null,
  };
}

/**
 * p50 of what a histogram observed since an earlier reading; null if it observed nothing, or if there
 * is no earlier reading (the histogram's whole past would include long-gone outages).
 */
function p50Since(current: HistogramData | null, earlier: Reading | undefined, pick: (r: Reading) => HistogramData | null): number | null {
  if (!current || !earlier) return null;
  const delta = histogramDelta(current, pick(earlier)); // null earlier: the app was down, or restarted

  return intervalQuantile(0.5, delta);
}

const orNull = (n: number | undefined) => n ?? null;

function systemCounts(s: Omit<PipelineStatus, 'verdict'>): SystemCounts {
  return {
    proposals: orNull(s.writeProposals),
    outboxWaiting: orNull(s.outboxUnprocessed),
    outboxPublished: orNull(s.outboxProcessed),
    outboxParked: orNull(s.outboxParked),
    outboxUnroutable: orNull(s.outboxUnroutable),
    views: orNull(s.readProposals),
    inboxEvents: orNull(s.appliedEvents),
    duplicateEvents: orNull(s.duplicateEvents),
  };
}

/**
 * Samples the whole pipeline once a second — each app's /health and /metrics, RabbitMQ's queues and
 * DLQ, the query API's duplicate log — and keeps five minutes of history in memory. Rates come from
 * the counters' deltas. Every read has a timeout and failures become "n/a": the page never breaks
 * because a part of the system is down, which is exactly when it is being watched.
 */
@Injectable()
export class PipelineMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('PipelineMonitor');
  private readonly readings: Reading[] = [];
  private latest: Snapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastSampleAt = 0;
  private running: Promise<Snapshot> | undefined;

  constructor(
    @Inject(LAB_CONSOLE_CONFIG) private readonly config: LabConsoleConfig,
    private readonly rabbit: RabbitProbe,
    private readonly stores: SystemStores,
  ) {}

  onApplicationBootstrap(): void {
    const loop = async () => {
      const started = Date.now();
      try {
        await this.sampleOnce();
      } catch (error) {
        this.logger.error(`sampling failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!this.stopped) {
        this.timer = setTimeout(() => void loop(), Math.max(100, started + SAMPLE_EVERY_MS - Date.now()));
        this.timer.unref();
      }
    };
    void loop();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The sampler's last run (for /health): stale when it stopped running. */
  get secondsSinceLastSample(): number {
    return (Date.now() - this.lastSampleAt) / 1000;
  }

  /** The latest sample's figures (before the first sample is done, that first sample's). */
  async snapshot(): Promise<Snapshot> {
    return this.latest ?? (await this.sampleOnce());
  }

  private sampleOnce(): Promise<Snapshot> {
    this.running ??= this.sample().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private url(app: AppName): string {
    return {
      'command-api': this.config.COMMAND_API_URL,
      'query-api': this.config.QUERY_API_URL,
      'event-processor': this.config.EVENT_PROCESSOR_URL,
      'proposal-subscriber': this.config.PROPOSAL_SUBSCRIBER_URL,
    }[app];
  }

  /** Further instances of a worker, whose counters are added to the first one's. */
  private moreUrls(app: AppName): string[] {
    if (app === 'event-processor') return this.config.MORE_EVENT_PROCESSOR_URLS;
    if (app === 'proposal-subscriber') return this.config.MORE_PROPOSAL_SUBSCRIBER_URLS;
    return [];
  }

  private async sample(): Promise<Snapshot> {
    const at = Date.now();
    const probing = Promise.all(
      APP_NAMES.map(async (app) => {
        const [health, ...pages] = await Promise.all([probeApp(this.url(app)), ...[this.url(app), ...this.moreUrls(app)].map((url) => probeMetrics(url))]);
        const answered = pages.filter((page) => page !== undefined);
        const sources = [this.url(app), ...this.moreUrls(app)].filter((_, i) => pages[i] !== undefined).join(' ');
        return { app, health, metrics: answered.length > 0 ? MetricsPage.combine(answered) : undefined, firstAnswered: pages[0] !== undefined, instances: answered.length, sources };
      }),
    );
    const measuring = this.rabbit.depths();
    // What is true of the stores now, judged by the one lab verdict (the CLI's `status` too) — read
    // while the apps are probed: a store that is down and an app slow to say so wait at the same time.
    const answers = probing.then((probes) => Object.fromEntries(probes.map(({ app, health }) => [app, health.answer])) as Partial<Record<AppName, HealthAnswer>>);
    const queues = async () => {
      const depths = await measuring;
      return depths && { work: depths.work ?? 0, retry: depths.retry ?? 0, dlq: depths.dlq ?? 0, consumers: depths.consumers ?? 0 };
    };
    const [probes, depths, duplicates, system] = await Promise.all([
      probing,
      measuring,
      probeDuplicates(this.config.QUERY_API_URL),
      readStatus({ pg: this.stores.pg, mongo: this.stores.mongo, queues }, answers),
    ]);
    // Read the DLQ only when there is something in it (a listing briefly holds the dead letters).
    const deadLetters = !depths ? undefined : (depths.dlq ?? 0) > 0 ? await this.rabbit.deadLetters(20).catch(() => undefined) : [];

    const apps = Object.fromEntries(
      probes.map(({ app, health, firstAnswered, instances }): [AppName, AppStatus] => [app, { url: this.url(app), instances, ...health.status, metrics: firstAnswered }]),
    ) as Record<AppName, AppStatus>;
    const metrics = Object.fromEntries(probes.filter((p) => p.metrics).map((p) => [p.app, p.metrics])) as Partial<Record<AppName, MetricsPage>>;

    const previous = this.readings.at(-1);
    const current = read(at, metrics, Object.fromEntries(probes.map((p) => [p.app, p.sources])));
    // A subscriber that started or stopped changes what the summed histogram holds: no p50 for that step.
    const sameSubscribers = previous?.sources['proposal-subscriber'] === current.sources['proposal-subscriber'];
    const reading: Reading = { ...current, lagP50: sameSubscribers ? p50Since(current.lag, previous, (r) => r.lag) : null };
    this.readings.push(reading);
    while ((this.readings[0]?.at ?? at) < at - HISTORY_MS) this.readings.shift();

    const windowStart = this.readings.find((r) => r !== reading && r.at >= at - RATE_WINDOW_MS) ?? previous;
    const rate = (counter: CounterName) =>
      counterRate(
        this.readings.map((r): CounterReading => ({ at: r.at, value: r[counter], sources: r.sources[COUNTER_APP[counter]] })),
        at,
        RATE_WINDOW_MS,
      );
    const recentLag = p50Since(reading.lag, windowStart, (r) => r.lag);

    const rabbit = depths ? { reachable: true, ...depths } : { reachable: false, work: null, retry: null, dlq: null, consumers: null };
    const snapshot: Snapshot = {
      at: new Date(at).toISOString(),
      verdict: verdictOf(system),
      system: systemCounts(system),
      apps,
      write: { stored: reading.stored, storedRate: rate('stored'), storedOutbox: reading.storedOutbox, storedDirect: reading.storedDirect },
      outbox: {
        backlog: reading.backlog,
        parked: reading.parked,
        published: reading.published,
        publishedRate: rate('published'),
        // Batches are rare when idle: over the whole history, so the figure does not flicker to n/a.
        confirmP50Seconds: p50Since(reading.confirm, reading === this.readings[0] ? undefined : this.readings[0], (r) => r.confirm),
      },
      rabbit,
      read: {
        projected: reading.projected,
        projectedRate: rate('projected'),
        duplicates: reading.duplicates,
        deadLettered: reading.deadLettered,
        retried: reading.retried,
        lagSeconds: recentLag ?? reading.lastLag,
        lagIsLast: recentLag === null && reading.lastLag !== null,
      },
      duplicateLog: { reachable: duplicates !== undefined, items: duplicates ?? [] },
      deadLetters: {
        reachable: deadLetters !== undefined,
        items: (deadLetters ?? []).map((d) => ({ ...d, body: d.body.length > 300 ? `${d.body.slice(0, 300)}…` : d.body })),
      },
      history: this.readings.map((r) => ({ at: r.at, backlog: r.backlog, lagSeconds: r.lagP50 })),
    };
    this.latest = snapshot;
    this.lastSampleAt = Date.now();
    return snapshot;
  }
}
