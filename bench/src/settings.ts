import type { QueueType } from '@acme/messaging';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository root (the folder with nx.json), whether this runs from bench/src or from dist/bench/src. */
export const benchRoot = findRoot(__dirname);

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the repository root (nx.json) above ${start}`);
  }
}

/**
 * Loads `.env` (else `.env.example`) into process.env without overriding the shell, like the test
 * helpers do, so that createTestDatabase & co. find DATABASE_URL, AMQP_URL and MONGO_URL.
 */
export function loadEnvFile(): void {
  for (const file of ['.env', '.env.example']) {
    const path = join(benchRoot, file);
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (match?.[1] && process.env[match[1]] === undefined) process.env[match[1]] = match[2];
    }
    return;
  }
}

/** Everything on 127.0.0.1: the benchmark refuses to send traffic anywhere else. */
export function assertLocal(): void {
  for (const name of ['DATABASE_URL', 'AMQP_URL', 'MONGO_URL']) {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set (run node scripts/infra.mjs, or set it)`);
    const host = new URL(value).hostname;
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
      throw new Error(`${name} points at ${host}: the benchmark only runs against services on this machine`);
    }
  }
}

/** The default first: what the apps declare unless QUEUE_TYPE says otherwise. */
const QUEUE_TYPES: readonly QueueType[] = ['quorum', 'classic'];

export type Phase = 'raw' | 'relay' | 'projector' | 'post' | 'e2e';
export const PHASES: readonly Phase[] = ['raw', 'relay', 'projector', 'post', 'e2e'];

export interface BenchSettings {
  mode: 'quick' | 'full';
  /** Relays / subscribers started in the relay and projector phases (scale-out check). */
  instances: number;
  phases: Phase[];
  /** RELAY_BATCH_SIZE given to the event-processor. */
  relayBatchSize: number;
  /** CONSUMER_PREFETCH given to the proposal-subscriber. */
  consumerPrefetch: number;
  /** PG_POOL_SIZE given to command-api and event-processor, and the size of the raw Postgres pool. */
  pgPoolSize: number;
  /** Outbox rows pre-filled for the relay run (N). */
  relayEvents: number;
  /** Messages pre-filled in the work queue for the projector run (M). */
  projectorEvents: number;
  /** Versions per proposal in the projector run (published in order: created, updated, …). */
  projectorVersionsPerProposal: number;
  /** Customers the projector events and the POST load are spread over. */
  customers: number;
  rawDurationS: number;
  /** In-flight unconfirmed publishes in the raw RabbitMQ measurement. */
  amqpWindow: number;
  /** Concurrent insertOne calls in the raw Mongo measurement (= the app's Mongo pool size). */
  mongoConcurrency: number;
  postDurationS: number;
  postWarmupS: number;
  postConnections: number;
  /** After the load stops, the pipeline must drain within this many seconds to count as keeping up. */
  keptUpDrainS: number;
  /** The longest the relay / projector runs and every "wait for the pipeline to drain" may take. */
  drainBoundS: number;
  e2eDurationS: number;
  /** Fixed e2e rate instead of half of post_rps (--e2e-rate). */
  e2eRate: number | null;
  e2eMinSamples: number;
  e2eMaxSamples: number;
  queueMessageTtlMs: number;
  retryDelayMs: number;
  maxAttempts: number;
  /**
   * Queue types the raw RabbitMQ, relay and projector phases run with, in this order (each phase once per
   * type, same run). The first is the one the headline figures and the pipeline phases use.
   */
  queueTypes: QueueType[];
}

const HELP = `npm run bench [-- options]     measures the pipeline against the raw limits of its parts

  --quick                 short run (about 3-5 minutes): N=10,000, M=5,000, 10 s of load
  --only=raw,relay,...    run only these phases (raw, relay, projector, post, e2e); others report null
  --relay-events=N        outbox rows for the relay run (default 50,000; quick 10,000)
  --instances=N           relays (relay phase) and subscribers (projector phase) to run at once (default 1)
  --projector-events=M    queued events for the projector run (default 20,000; quick 5,000)
  --connections=C         HTTP connections of the POST load (default 20)
  --duration=S            seconds of POST load (default 20; quick 10)
  --customers=K           customers the events and the load are spread over (default 1,000)
  --e2e-rate=R            e2e requests per second instead of half of post_rps (100 when post is not run)
  --queue-types=T,...     queue types for raw amqp, relay and projector, each in the same run
                          (default quorum,classic: the cost of at-least-once dead-lettering; the first
                          one is the headline figure and the one the pipeline phases use)
  --help

App knobs come from the environment (or .env), as for the apps themselves:
  RELAY_BATCH_SIZE (500), CONSUMER_PREFETCH (100), PG_POOL_SIZE (10)`;

export function parseSettings(argv: string[]): BenchSettings {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`unknown argument ${arg}\n\n${HELP}`);
    flags.set(match[1], match[2] ?? 'true');
  }
  if (flags.has('help')) {
    console.log(HELP);
    process.exit(0);
  }
  const known = ['instances', 'quick', 'only', 'relay-events', 'projector-events', 'connections', 'duration', 'customers', 'e2e-rate', 'queue-types'];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n\n${HELP}`);

  const quick = flags.has('quick');
  const int = (value: string | undefined, fallback: number, what: string, min = 1, max = 10_000_000): number => {
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${what} must be a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
  const only = flags.get('only');
  const phases = only ? only.split(',').map((p) => p.trim()) : [...PHASES];
  for (const p of phases) if (!PHASES.includes(p as Phase)) throw new Error(`unknown phase "${p}" in --only (${PHASES.join(', ')})`);
  const queueTypes = (flags.get('queue-types') ?? QUEUE_TYPES.join(',')).split(',').map((t) => t.trim());
  for (const t of queueTypes) if (!QUEUE_TYPES.includes(t as QueueType)) throw new Error(`unknown queue type "${t}" in --queue-types (${QUEUE_TYPES.join(', ')})`);
  if (new Set(queueTypes).size !== queueTypes.length) throw new Error(`--queue-types names a type twice: ${queueTypes.join(',')}`);

  return {
    mode: quick ? 'quick' : 'full',
    phases: phases as Phase[],
    relayBatchSize: int(process.env.RELAY_BATCH_SIZE, 500, 'RELAY_BATCH_SIZE', 1, 10_000),
    consumerPrefetch: int(process.env.CONSUMER_PREFETCH, 100, 'CONSUMER_PREFETCH', 1, 1_000),
    pgPoolSize: int(process.env.PG_POOL_SIZE, 10, 'PG_POOL_SIZE', 1, 100),
    instances: int(flags.get('instances'), 1, '--instances', 1, 8),
    relayEvents: int(flags.get('relay-events'), quick ? 10_000 : 50_000, '--relay-events', 1, 1_000_000),
    projectorEvents: int(flags.get('projector-events'), quick ? 5_000 : 20_000, '--projector-events', 2, 1_000_000),
    projectorVersionsPerProposal: 2,
    customers: int(flags.get('customers'), 1_000, '--customers', 1, 100_000),
    rawDurationS: quick ? 4 : 10,
    amqpWindow: 1_000,
    mongoConcurrency: 20,
    postDurationS: int(flags.get('duration'), quick ? 10 : 20, '--duration', 1, 600),
    postWarmupS: quick ? 2 : 3,
    postConnections: int(flags.get('connections'), 20, '--connections', 1, 1_000),
    keptUpDrainS: 5,
    drainBoundS: quick ? 30 : 90,
    e2eDurationS: quick ? 6 : 15,
    e2eRate: flags.has('e2e-rate') ? int(flags.get('e2e-rate'), 100, '--e2e-rate', 1, 100_000) : null,
    e2eMinSamples: 200,
    e2eMaxSamples: quick ? 1_500 : 4_000,
    queueMessageTtlMs: int(process.env.QUEUE_MESSAGE_TTL_MS, 86_400_000, 'QUEUE_MESSAGE_TTL_MS', 1_000, 7 * 86_400_000),
    retryDelayMs: int(process.env.RETRY_DELAY_MS, 2_000, 'RETRY_DELAY_MS', 100, 3_600_000),
    maxAttempts: int(process.env.MAX_ATTEMPTS, 10, 'MAX_ATTEMPTS', 1, 100),
    queueTypes: queueTypes as QueueType[],
  };
}

export interface MachineInfo {
  cores: number;
  memory_gib: number;
  cpu_model: string;
  node_version: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpu_model: list[0]?.model.trim() ?? 'unknown',
    node_version: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}
