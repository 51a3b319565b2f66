import type { QueryApiConfig } from '@acme/config';
import { connectAmqp, listenForProjectionNotices, type NoticeChannel } from '@acme/messaging';
import { connectWhenMongoAnswers, createMongoClient, ensureIndexes, ProposalQueries, VersionSignals } from '@acme/read-model';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { MongoClient } from 'mongodb';
import { QUERY_API_CONFIG } from './tokens';

/**
 * The query side's dependency: the MongoDB views, through the read-model lib's queries. With AMQP_URL
 * it also listens for the subscribers' projection notices, so that a `?minVersion` read wakes when its
 * version lands instead of polling MongoDB; RabbitMQ being away only slows such reads down.
 */
@Injectable()
export class ViewStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ViewStore.name);
  private readonly client: MongoClient;
  private readonly signals = new VersionSignals();
  private readonly amqp: AmqpConnectionManager | undefined;
  private readonly notices: NoticeChannel | undefined;
  readonly queries: ProposalQueries;
  /** How long a `?minVersion` read waits for its version. */
  readonly minVersionWaitMs: number;

  constructor(@Inject(QUERY_API_CONFIG) private readonly config: QueryApiConfig) {
    this.minVersionWaitMs = config.MIN_VERSION_WAIT_MS;
    this.client = createMongoClient(config.MONGO_URL, config.MONGO_SOCKET_TIMEOUT_MS);
    this.queries = new ProposalQueries(this.client.db(config.MONGO_DB), { signals: this.signals, livePollMs: config.MIN_VERSION_POLL_MS });
    if (config.AMQP_URL) {
      this.amqp = connectAmqp(config.AMQP_URL, 'acme.query-api', this.logger);
      this.notices = listenForProjectionNotices(this.amqp, this.signals, this.logger);
    }
  }

  private readonly stopping = new AbortController();

  /** Starts without waiting for MongoDB: queries answer 503 until it answers, then the indexes are made. */
  onModuleInit(): void {
    let warned = false;
    void connectWhenMongoAnswers(this.client, {
      signal: this.stopping.signal,
      onRetry: (error) => {
        if (!warned) this.logger.warn(`MongoDB not ready (${error.message}); queries answer 503 until it is`);
        warned = true;
      },
    })
      .then(async (connected) => {
        if (!connected) return;
        if (warned) this.logger.log('MongoDB connected');
        await ensureIndexes(this.client.db(this.config.MONGO_DB));
      })
      .catch((error: Error) => this.logger.warn(`could not create the read model's indexes (${error.message})`));
  }

  async ping(): Promise<boolean> {
    await this.client.db(this.config.MONGO_DB).command({ ping: 1 });
    return true;
  }

  /** How `?minVersion` reads learn of new versions: woken by notices, or polling (no RabbitMQ). */
  get readYourWrites(): 'notified' | 'polling' {
    return this.signals.live ? 'notified' : 'polling';
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.notices?.close().catch(() => undefined);
    await this.amqp?.close().catch(() => undefined);
    await this.client.close();
  }
}
