import type { PipelineStatus } from '@acme/lab-core';
import type { DeadLetter } from '@acme/messaging';

/** What GET /api/snapshot returns: every figure on the page. A figure nobody could read is null. */

export const APP_NAMES = ['command-api', 'query-api', 'event-processor', 'proposal-subscriber'] as const;
export type AppName = (typeof APP_NAMES)[number];

/** `up`: /health said 200; `down`: it answered 503 (see `failing`); `unreachable`: no answer in time. */
export type AppHealth = 'up' | 'down' | 'unreachable';

export interface AppStatus {
  url: string;
  /** Instances whose /metrics answered (the first one's URL above, and any further ones): the counters add them up. */
  instances: number;
  health: AppHealth;
  /** The dependency checks that are down, e.g. ["rabbitmq"]. */
  failing: string[];
  /** Whether /metrics answered. */
  metrics: boolean;
  /** The relay's own state (`publishing`, `unroutable`, `failing`…); null for the other apps. */
  state: string | null;
  /** Work waits and the worker has made no progress for STUCK_AFTER_MS. */
  stuck: boolean;
  /** Why it is not working, in its own words (the relay's last error, the consumer's setup error). */
  reason: string | null;
}

export interface QueueDepths {
  work: number | null;
  retry: number | null;
  dlq: number | null;
  /** Consumers on the work queue (the subscribers). */
  consumers: number | null;
}

export interface DuplicateEntry {
  eventId: string;
  proposalId: number;
  version: number;
  type: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
}

export type Verdict = PipelineStatus['verdict'];

/**
 * What is true of the system now, read from the stores (null: that store did not answer): the same
 * figures `npm run lab -- status` shows, whichever app instances run.
 */
export interface SystemCounts {
  proposals: number | null;
  outboxWaiting: number | null;
  outboxPublished: number | null;
  outboxParked: number | null;
  outboxUnroutable: number | null;
  views: number | null;
  inboxEvents: number | null;
  duplicateEvents: number | null;
}

export interface HistoryPoint {
  at: number;
  backlog: number | null;
  /** p50 of the end-to-end lag of the events applied in that second; null if none were applied. */
  lagSeconds: number | null;
}

export interface Snapshot {
  at: string;
  /** The lab verdict (`@acme/lab-core`), the same as `npm run lab -- status` gives. */
  verdict: Verdict;
  system: SystemCounts;
  apps: Record<AppName, AppStatus>;
  write: { stored: number | null; storedRate: number | null; storedOutbox: number | null; storedDirect: number | null };
  /** confirmP50Seconds: publish → all confirms per batch, p50 over the last five minutes. */
  /** backlog: rows waiting to be published; parked: rows the relay set aside (malformed, or failing too often). */
  outbox: { backlog: number | null; parked: number | null; published: number | null; publishedRate: number | null; confirmP50Seconds: number | null };
  rabbit: { reachable: boolean } & QueueDepths;
  read: {
    projected: number | null;
    projectedRate: number | null;
    duplicates: number | null;
    deadLettered: number | null;
    retried: number | null;
    /** p50 of the lag over the last few seconds, else the last event's lag (`lagIsLast`). */
    lagSeconds: number | null;
    lagIsLast: boolean;
  };
  duplicateLog: { reachable: boolean; items: DuplicateEntry[] };
  deadLetters: { reachable: boolean; items: DeadLetter[] };
  /** One point a second, the last five minutes. */
  history: HistoryPoint[];
}
