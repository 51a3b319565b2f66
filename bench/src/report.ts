import type { QueueType } from '@acme/messaging';
import type { CpuReport } from './cpu';
import type { E2eResult } from './e2e';
import type { PostResult } from './load';
import type { ProjectorResult } from './projector';
import type { RawResult } from './raw';
import type { RelayResult } from './relay';
import type { BenchSettings, MachineInfo } from './settings';
import { fmt } from './util';

export interface BenchOutcome {
  settings: BenchSettings;
  machine: MachineInfo;
  startedAt: Date;
  totalSeconds: number;
  pg?: RawResult;
  amqp?: RawResult;
  mongo?: RawResult;
  /** The projector on a queue whose versions of a proposal are adjacent (a catch-up), first queue type. */
  projectorCatchUp?: ProjectorResult;
  /** Conditional replaceOne of a view: the projector's floor per update event (details only, not a latest.json key). */
  mongoReplace?: RawResult;
  /** The phases that depend on the queue type, once per type of `settings.queueTypes`, same run. */
  byQueueType: Partial<Record<QueueType, QueueTypeFigures>>;
  post?: PostResult;
  e2e?: E2eResult;
  errors: Record<string, string>;
}

export interface QueueTypeFigures {
  amqp?: RawResult;
  relay?: RelayResult;
  projector?: ProjectorResult;
}

/** The figures of the first queue type measured (the default, quorum, unless --queue-types says otherwise). */
function headline(o: BenchOutcome): QueueTypeFigures {
  const first = o.settings.queueTypes[0];
  return (first && o.byQueueType[first]) ?? {};
}

/** Goals of issue 8 for this 2-core machine. */
const GOALS = {
  post_rps: { atLeast: 1_000 },
  relay_events_per_s: { atLeast: 5_000 },
  projector_events_per_s: { atLeast: 3_000 },
  e2e_p99_ms: { atMost: 100 },
} as const;

const whole = (n: number | undefined): number | null => (n === undefined || !Number.isFinite(n) ? null : Math.round(n));
const tenth = (n: number | null | undefined): number | null => (n === undefined || n === null || !Number.isFinite(n) ? null : Math.round(n * 10) / 10);

/** latest.json: exactly the figures, the machine and the settings. */
export function latestJson(o: BenchOutcome): Record<string, unknown> {
  const s = o.settings;
  const h = headline(o);
  return {
    post_rps: whole(o.post?.requestsPerSecond),
    relay_events_per_s: whole(h.relay?.eventsPerSecond),
    projector_events_per_s: whole(h.projector?.eventsPerSecond),
    projector_catchup_events_per_s: whole(o.projectorCatchUp?.eventsPerSecond),
    e2e_p50_ms: tenth(o.e2e?.p50Ms),
    e2e_p99_ms: tenth(o.e2e?.p99Ms),
    pg_tx_per_s: whole(o.pg?.perSecond),
    amqp_confirmed_per_s: whole(h.amqp?.perSecond),
    mongo_inserts_per_s: whole(o.mongo?.perSecond),
    /** Per queue type, same run: the raw limit, the pipeline figures, and each as a fraction of its raw limit. */
    queue_types: Object.fromEntries(
      s.queueTypes.map((type) => {
        const f = o.byQueueType[type] ?? {};
        return [
          type,
          {
            amqp_confirmed_per_s: whole(f.amqp?.perSecond),
            relay_events_per_s: whole(f.relay?.eventsPerSecond),
            projector_events_per_s: whole(f.projector?.eventsPerSecond),
            relay_of_amqp_confirmed: fraction(f.relay?.eventsPerSecond, f.amqp?.perSecond),
            projector_of_mongo_inserts: fraction(f.projector?.eventsPerSecond, o.mongo?.perSecond),
          },
        ];
      }),
    ),
    machine: o.machine,
    settings: {
      mode: s.mode,
      run_at: o.startedAt.toISOString(),
      phases: s.phases,
      relay_batch_size: s.relayBatchSize,
      consumer_prefetch: s.consumerPrefetch,
      pg_pool_size: s.pgPoolSize,
      relay_events_n: s.relayEvents,
      projector_events_m: s.projectorEvents,
      projector_versions_per_proposal: s.projectorVersionsPerProposal,
      customers: s.customers,
      raw_duration_s: s.rawDurationS,
      amqp_window: s.amqpWindow,
      mongo_concurrency: s.mongoConcurrency,
      post_duration_s: s.postDurationS,
      post_warmup_s: s.postWarmupS,
      post_connections: s.postConnections,
      post_kept_up: o.post?.keptUp ?? null,
      kept_up_drain_bound_s: s.keptUpDrainS,
      e2e_duration_s: s.e2eDurationS,
      e2e_rate_per_s: tenth(o.e2e?.ratePerSecond),
      e2e_samples: o.e2e?.samples ?? null,
      queue_message_ttl_ms: s.queueMessageTtlMs,
      retry_delay_ms: s.retryDelayMs,
      queue_types: s.queueTypes,
      total_s: Math.round(o.totalSeconds),
    },
  };
}

function fraction(value: number | undefined, limit: number | undefined): number | null {
  return value === undefined || limit === undefined || !(limit > 0) ? null : Math.round((value / limit) * 100) / 100;
}

function ratio(value: number | undefined, limit: number | undefined): string {
  if (value === undefined || limit === undefined || !(limit > 0)) return 'n/a';
  return `${((value / limit) * 100).toFixed(0)} %`;
}

function goal(key: keyof typeof GOALS, value: number | null | undefined): string {
  const g: { atLeast?: number; atMost?: number } = GOALS[key];
  const target = g.atLeast !== undefined ? `≥ ${fmt(g.atLeast)}` : `≤ ${fmt(g.atMost)}`;
  if (value === null || value === undefined) return `${target} (not measured)`;
  const met = g.atLeast !== undefined ? value >= g.atLeast : value <= (g.atMost ?? Infinity);
  return `${target} ${met ? 'met' : 'NOT met'}`;
}

/**
 * The cost of the queue type, same run: each figure beside its raw limit measured with the same queue
 * type, and the last column the figure against the first type's (quorum against classic, by default).
 */
function queueTypeTable(o: BenchOutcome): string[] {
  const [first, ...others] = o.settings.queueTypes;
  if (!first) return [];
  const base = o.byQueueType[others.at(-1) ?? first] ?? {};
  const baseName = others.at(-1) ?? first;
  const rows = o.settings.queueTypes.map((type) => {
    const f = o.byQueueType[type] ?? {};
    return (
      `| ${type} | ${fmt(whole(f.amqp?.perSecond))} | ${fmt(whole(f.relay?.eventsPerSecond))} | ${ratio(f.relay?.eventsPerSecond, f.amqp?.perSecond)} | ` +
      `${ratio(f.relay?.eventsPerSecond, base.relay?.eventsPerSecond)} | ${fmt(whole(f.projector?.eventsPerSecond))} | ` +
      `${ratio(f.projector?.eventsPerSecond, o.mongo?.perSecond)} | ${ratio(f.projector?.eventsPerSecond, base.projector?.eventsPerSecond)} |`
    );
  });
  return [
    `Queue types, same run (work, retry and dead-letter queues of that type; raw amqp = confirmed publishes into that type):`,
    '',
    `| queues | amqp_confirmed_per_s | relay_events_per_s | relay / raw amqp | relay / ${baseName} relay | projector_events_per_s | projector / raw mongo | projector / ${baseName} projector |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ];
}

/** "other" CPU (work that is not the benchmark's) above which a phase's figure is flagged. */
const NOISY_OTHER_PERCENT = 25;

const CPU_COLUMNS = [
  'bench (load generator)',
  'command-api',
  'query-api',
  'event-processor',
  'proposal-subscriber',
  'postgres',
  'rabbitmq',
  'ferretdb',
  'other',
];

function cpuRow(phase: string, cpu: CpuReport | undefined): string | undefined {
  if (!cpu) return undefined;
  const cells = CPU_COLUMNS.map((c) => (cpu.percentOfCore[c] === undefined ? '' : `${cpu.percentOfCore[c]}`));
  return `| ${phase} | ${cpu.machineBusyPercent} | ${cells.join(' | ')} |`;
}

/** The markdown report: pipeline figures against their raw limits, then details. */
export function markdown(o: BenchOutcome): string {
  const s = o.settings;
  const h = headline(o);
  const j = latestJson(o);
  const num = (key: string) => j[key] as number | null;
  const lines: string[] = [];
  lines.push(`# ACME Proposals benchmark (${s.mode}, ${o.startedAt.toISOString()})`);
  lines.push('');
  lines.push(
    `Machine: ${o.machine.cores} cores, ${o.machine.memory_gib} GiB, ${o.machine.cpu_model}, Node ${o.machine.node_version}. ` +
      `Everything co-located on 127.0.0.1. RELAY_BATCH_SIZE=${s.relayBatchSize}, CONSUMER_PREFETCH=${s.consumerPrefetch}, ` +
      `PG_POOL_SIZE=${s.pgPoolSize}; N=${fmt(s.relayEvents)}, M=${fmt(s.projectorEvents)}, ${s.postConnections} connections × ${s.postDurationS} s.`,
  );
  lines.push('');
  lines.push('| figure | value | relative to raw limit | ratio | goal |');
  lines.push('| --- | ---: | --- | ---: | --- |');
  const keptUp = o.post ? (o.post.keptUp ? 'kept up' : 'did NOT keep up') : 'not run';
  lines.push(
    `| post_rps (POST /proposals/s, pipeline ${keptUp}) | ${fmt(num('post_rps'))} | pg_tx_per_s ${fmt(num('pg_tx_per_s'))} | ${ratio(o.post?.requestsPerSecond, o.pg?.perSecond)} | ${goal('post_rps', num('post_rps'))} |`,
  );
  lines.push(
    `| relay_events_per_s | ${fmt(num('relay_events_per_s'))} | amqp_confirmed_per_s ${fmt(num('amqp_confirmed_per_s'))} | ${ratio(h.relay?.eventsPerSecond, h.amqp?.perSecond)} | ${goal('relay_events_per_s', num('relay_events_per_s'))} |`,
  );
  lines.push(
    `| projector_events_per_s | ${fmt(num('projector_events_per_s'))} | mongo_inserts_per_s ${fmt(num('mongo_inserts_per_s'))} | ${ratio(h.projector?.eventsPerSecond, o.mongo?.perSecond)} | ${goal('projector_events_per_s', num('projector_events_per_s'))} |`,
  );
  lines.push(
    `| projector_catchup_events_per_s (versions adjacent) | ${fmt(num('projector_catchup_events_per_s'))} | mongo_inserts_per_s ${fmt(num('mongo_inserts_per_s'))} | ${ratio(o.projectorCatchUp?.eventsPerSecond, o.mongo?.perSecond)} | |`,
  );
  lines.push(`| e2e_p50_ms (at ${fmt(o.e2e?.ratePerSecond, 0)}/s) | ${fmt(num('e2e_p50_ms'), 1)} | — | — | |`);
  lines.push(`| e2e_p99_ms (at ${fmt(o.e2e?.ratePerSecond, 0)}/s) | ${fmt(num('e2e_p99_ms'), 1)} | — | — | ${goal('e2e_p99_ms', num('e2e_p99_ms'))} |`);
  lines.push('');
  lines.push('Raw limits (same client libraries, same pool sizes):');
  lines.push('');
  lines.push('| raw limit | per second | what |');
  lines.push('| --- | ---: | --- |');
  lines.push(`| pg_tx_per_s | ${fmt(num('pg_tx_per_s'))} | ${o.pg?.note ?? 'not run'} |`);
  lines.push(`| amqp_confirmed_per_s | ${fmt(num('amqp_confirmed_per_s'))} | ${h.amqp?.note ?? 'not run'} |`);
  lines.push(`| mongo_inserts_per_s | ${fmt(num('mongo_inserts_per_s'))} | ${o.mongo?.note ?? 'not run'} |`);
  if (o.mongoReplace) lines.push(`| (mongo_replaces_per_s) | ${fmt(whole(o.mongoReplace.perSecond))} | ${o.mongoReplace.note} |`);
  lines.push('');

  if (s.queueTypes.length > 1) lines.push(...queueTypeTable(o), '');

  const details: string[] = [];
  for (const type of s.queueTypes) {
    const { relay, projector } = o.byQueueType[type] ?? {};
    if (relay) {
      details.push(
        `- relay (${type}): ${fmt(relay.events)} events drained in ${relay.drainSeconds.toFixed(2)} s after the first claim ` +
          `(${fmt(relay.eventsPerSecondInclStartup)}/s including ${relay.startupSeconds.toFixed(1)} s of start-up); ${fmt(relay.published)} messages reached the queue.`,
      );
    }
    if (projector) {
      details.push(
        `- projector (${type}): ${fmt(projector.events)} events of ${fmt(projector.proposals)} proposals over ${fmt(s.customers)} customers, first to last applied in ${projector.drainSeconds.toFixed(2)} s ` +
          `(${fmt(projector.eventsPerSecondInclStartup)}/s including start-up); counters ${JSON.stringify(projector.counters)}, retry queue ${projector.retryQueue}, DLQ ${projector.deadLettered}.`,
      );
    }
  }
  if (o.post) {
    const p = o.post;
    details.push(
      `- post: ${fmt(p.created)} created in ${p.seconds.toFixed(1)} s with ${p.connections} connections; non-2xx ${p.non2xx}, errors ${p.errors}, timeouts ${p.timeouts}; ` +
        `POST latency p50 ${p.latencyP50Ms} ms, p99 ${p.latencyP99Ms} ms; max outbox backlog ${fmt(p.maxOutboxBacklog)}, max queue depth ${fmt(p.maxQueueDepth)}; ` +
        `drained ${p.drainSeconds === null ? 'not within 60 s' : `${p.drainSeconds.toFixed(1)} s after the load`} (kept up = drained within ${s.keptUpDrainS} s).`,
    );
    details.push(`  - backlog samples (t s: outbox/queue): ${p.samples.map((x) => `${x.t}: ${x.outboxBacklog}/${x.queueDepth}`).join(', ')}`);
  }
  if (o.e2e) {
    const e = o.e2e;
    details.push(
      `- e2e: ${fmt(e.samples)} samples at ${fmt(e.ratePerSecond, 1)}/s open loop; p50 ${fmt(e.p50Ms, 1)}, p90 ${fmt(e.p90Ms, 1)}, p99 ${fmt(e.p99Ms, 1)}, max ${fmt(e.maxMs, 1)} ms; ` +
        `POST alone p50 ${fmt(e.postP50Ms, 1)} / p99 ${fmt(e.postP99Ms, 1)} ms; ${e.failures} failed ${JSON.stringify(e.failureReasons)}; ${e.notCaughtUp} GETs answered 503; scheduler lag p99 ${fmt(e.scheduleLagP99Ms, 1)} ms.`,
    );
  }
  for (const [phase, message] of Object.entries(o.errors)) details.push(`- **${phase} FAILED**: ${message.split('\n')[0]}`);
  if (details.length) lines.push(...details, '');

  const perType = (phase: keyof QueueTypeFigures): [string, CpuReport | undefined][] =>
    s.queueTypes.map((type) => [`${phase === 'amqp' ? 'raw amqp' : phase} (${type})`, o.byQueueType[type]?.[phase]?.cpu]);
  const phasesCpu: [string, CpuReport | undefined][] = [
    ['raw pg', o.pg?.cpu],
    ...perType('amqp'),
    ['raw mongo', o.mongo?.cpu],
    ['raw mongo replace', o.mongoReplace?.cpu],
    ...perType('relay'),
    ...perType('projector'),
    ['post load', o.post?.cpu],
    ['e2e', o.e2e?.cpu],
  ];
  const cpuRows = phasesCpu.map(([name, cpu]) => cpuRow(name, cpu)).filter((r): r is string => r !== undefined);
  const noisy = phasesCpu.filter(([, cpu]) => (cpu?.percentOfCore.other ?? 0) >= NOISY_OTHER_PERCENT).map(([name, cpu]) => `${name} (${cpu?.percentOfCore.other}%)`);
  if (noisy.length) {
    lines.push(
      `**Warning:** other work used ≥ ${NOISY_OTHER_PERCENT}% of a core during ${noisy.join(', ')}: those figures are lower than this machine can do. Re-run on a quiet machine.`,
      '',
    );
  }
  if (cpuRows.length) {
    lines.push('CPU per phase (% of one core, from /proc; "machine" is % of all cores; "other" is everything else on the machine):');
    lines.push('');
    lines.push(`| phase | machine | ${CPU_COLUMNS.join(' | ')} |`);
    lines.push(`| --- | ---: | ${CPU_COLUMNS.map(() => '---:').join(' | ')} |`);
    lines.push(...cpuRows, '');
  }
  lines.push(`Total ${Math.round(o.totalSeconds)} s. Reproduce: \`npm run bench${s.mode === 'quick' ? ' -- --quick' : ''}\`.`);
  return `${lines.join('\n')}\n`;
}
