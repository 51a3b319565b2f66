import { z } from 'zod';

/**
 * Configuration is read from the environment once, at start-up, and validated against a schema.
 * Anything missing or malformed stops the app with one message that names each bad variable.
 * Connection URLs have no defaults on purpose: the launcher (scripts/local-env.mjs) or compose sets them.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const urlWithProtocol = (protocols: string[]) =>
  z
    .string({ required_error: 'is required' })
    .min(1, 'is required')
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
    );

const int = (min: number, max: number) =>
  z.coerce
    .number({ invalid_type_error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

export const port = (fallback: number) => int(1, 65535).default(fallback);

export const postgresEnv = {
  DATABASE_URL: urlWithProtocol(['postgres:', 'postgresql:']),
  PG_POOL_SIZE: int(1, 100).default(10),
  /** A connection attempt that gets no answer (a silent link) fails after this long. */
  PG_CONNECT_TIMEOUT_MS: int(100, 120_000).default(5_000),
  /** A query that gets no answer (a silent link, a wedged server) fails after this long. */
  PG_QUERY_TIMEOUT_MS: int(100, 600_000).default(15_000),
};

export const amqpEnv = {
  AMQP_URL: urlWithProtocol(['amqp:', 'amqps:']),
};

export const mongoEnv = {
  MONGO_URL: urlWithProtocol(['mongodb:', 'mongodb+srv:']),
  MONGO_DB: z
    .string({ required_error: 'is required' })
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be 1-63 letters, digits, _ or -'),
  /** A MongoDB operation that gets no answer (a silent link, a wedged server) fails after this long. */
  MONGO_SOCKET_TIMEOUT_MS: int(1_000, 600_000).default(10_000),
};

/** RabbitMQ topology tunables: the relay declares them, the subscriber relies on them. */
export const topologyEnv = {
  QUEUE_MESSAGE_TTL_MS: int(1_000, 7 * 24 * 3600 * 1000).default(24 * 3600 * 1000),
  RETRY_DELAY_MS: int(100, 3600 * 1000).default(2_000),
  /** quorum: replicated, at-least-once dead-lettering (the default); classic: for comparison (at-most-once). */
  QUEUE_TYPE: z.enum(['quorum', 'classic']).default('quorum'),
  /** Quorum queues: deliveries of one message (a crash loop, say) before the broker dead-letters it. */
  QUEUE_DELIVERY_LIMIT: int(1, 1_000).default(20),
};

/** Where the app's HTTP server listens: this machine only, unless HOST says otherwise (0.0.0.0 in a container). */
export const httpEnv = {
  HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:_-]{1,253}$/, 'must be a host name or an IP address, e.g. 127.0.0.1 or 0.0.0.0')
    .default('127.0.0.1'),
};

export const logEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` (one object per line: files, pipes, CI, compose) or `pretty` (coloured lines; `npm start` in a terminal). */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
};

export const commandApiSchema = z.object({
  ...httpEnv,
  ...postgresEnv,
  ...amqpEnv,
  ...logEnv,
  COMMAND_API_PORT: port(3000),
  PUBLISH_MODE: z.enum(['outbox', 'direct']).default('outbox'),
  BODY_LIMIT_BYTES: int(1_024, 10 * 1024 * 1024).default(64 * 1024),
});

export const queryApiSchema = z.object({
  ...httpEnv,
  ...mongoEnv,
  ...logEnv,
  /**
   * Optional (unset or empty: off): with it, `?minVersion` reads wake on the subscribers' projection
   * notices instead of polling MongoDB.
   */
  AMQP_URL: z.preprocess((value) => (value === '' ? undefined : value), amqpEnv.AMQP_URL.optional()),
  QUERY_API_PORT: port(3001),
  MIN_VERSION_WAIT_MS: int(0, 30_000).default(3_000),
  /** While notices flow, a waiting `?minVersion` read still re-reads this often, in case one was lost. */
  MIN_VERSION_POLL_MS: int(10, 60_000).default(250),
});

export const eventProcessorSchema = z.object({
  ...httpEnv,
  ...postgresEnv,
  ...amqpEnv,
  ...topologyEnv,
  ...logEnv,
  EVENT_PROCESSOR_PORT: port(3002),
  RELAY_POLL_INTERVAL_MS: int(10, 600_000).default(1_000),
  RELAY_BATCH_SIZE: int(1, 10_000).default(500),
  /** How long processed rows are kept; 0 keeps them forever (the default, so labs can inspect them). */
  OUTBOX_RETENTION_HOURS: int(0, 24 * 365).default(0),
  /** A row whose own publish fails this many times (nacked, cannot be encoded) is parked. */
  RELAY_MAX_ATTEMPTS: int(1, 1_000).default(5),
  /** How long a publisher confirm may take before the channel is given up and opened anew. */
  PUBLISH_CONFIRM_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** Backlog waiting and nothing confirmed for this long: the relay reports itself `stuck`. */
  STUCK_AFTER_MS: int(1_000, 3_600_000).default(30_000),
});

export const proposalSubscriberSchema = z.object({
  ...httpEnv,
  ...amqpEnv,
  ...mongoEnv,
  ...topologyEnv,
  ...logEnv,
  PROPOSAL_SUBSCRIBER_PORT: port(3003),
  CONSUMER_PREFETCH: int(1, 1_000).default(100),
  MAX_ATTEMPTS: int(1, 100).default(10),
  /** How long an event may wait for its predecessor (a gap) before it is dead-lettered. */
  GAP_TIMEOUT_MS: int(1_000, 7 * 24 * 3600 * 1000).default(600_000),
  /**
   * How long an early event first waits in place for its predecessor (usually being applied by another
   * subscriber at that moment) before it takes the retry queue. 0: straight to the retry queue.
   */
  GAP_WAIT_MS: int(0, 60_000).default(500),
  /** Messages waiting and nothing settled for this long: the subscriber reports itself `stuck`. */
  STUCK_AFTER_MS: int(1_000, 3_600_000).default(30_000),
});

export type CommandApiConfig = z.infer<typeof commandApiSchema>;
export type QueryApiConfig = z.infer<typeof queryApiSchema>;
export type EventProcessorConfig = z.infer<typeof eventProcessorSchema>;
export type ProposalSubscriberConfig = z.infer<typeof proposalSubscriberSchema>;

/** Validates `env` against `schema`; throws a ConfigError naming every bad variable. */
export function loadConfig<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  return result.data as z.infer<S>;
}
