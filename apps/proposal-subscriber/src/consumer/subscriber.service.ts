import type { ProposalSubscriberConfig } from '@acme/config';
import { TOPOLOGY } from '@acme/contracts';
import { connectAmqp, declareTopology, ProjectionNoticePublisher, topologyOptions } from '@acme/messaging';
import { connectWhenMongoAnswers, createMongoClient, InboxProjector } from '@acme/read-model';
import { observedGauge } from '@acme/telemetry';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import type { MongoClient } from 'mongodb';
import { SUBSCRIBER_CONFIG } from '../tokens';
import { ProjectViewsWhenProposalEventArrives, type ConsumerCounters } from './project-views-when-proposal-event-arrives';

const MAX_MESSAGE_BYTES = 256 * 1024;

/** Wires the policy to RabbitMQ (consumer channel, re-established after every reconnect) and MongoDB. */
@Injectable()
export class SubscriberService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ProposalSubscriber');
  private readonly mongo: MongoClient;
  private readonly amqp: AmqpConnectionManager;
  private readonly policy: ProjectViewsWhenProposalEventArrives;
  private channel: ChannelWrapper | undefined;
  /** Tells the query APIs that a proposal has a new version (their `?minVersion` reads wait for it). */
  private readonly notices: ProjectionNoticePublisher;

  constructor(@Inject(SUBSCRIBER_CONFIG) private readonly config: ProposalSubscriberConfig) {
    this.mongo = createMongoClient(config.MONGO_URL, config.MONGO_SOCKET_TIMEOUT_MS);
    const db = this.mongo.db(config.MONGO_DB);
    this.amqp = connectAmqp(config.AMQP_URL, 'acme.proposal-subscriber', this.logger);
    this.notices = new ProjectionNoticePublisher(this.amqp, this.logger);
    this.policy = new ProjectViewsWhenProposalEventArrives(
      new InboxProjector(db),
      { maxAttempts: config.MAX_ATTEMPTS, maxMessageBytes: MAX_MESSAGE_BYTES, gapTimeoutMs: config.GAP_TIMEOUT_MS, gapWaitMs: config.GAP_WAIT_MS },
      this.logger,
      (event) => this.notices.publish({ proposalId: event.proposalId, version: event.version }),
    );
  }

  onApplicationBootstrap(): void {
    void this.connectMongo();
    this.channel = this.amqp.createChannel({
      name: 'consumer',
      confirm: true,
      setup: (channel: ConfirmChannel) => this.subscribe(channel),
    });
    // A failing setup (e.g. queues declared with other settings: TopologyMismatchError) is reported
    // here and in /health; without a listener the emitter would throw and end the process. The
    // connection manager runs the setup again until it succeeds.
    this.channel.on('error', (error: Error) => {
      this.setupError = error.message;
      this.logger.error(`RabbitMQ channel setup failed: ${error.message}`);
    });
    observedGauge({
      name: 'acme_dlq_depth',
      help: `Messages in ${TOPOLOGY.deadLetterQueue} (read when scraped, at most once a second)`,
      read: async () => {
        const depth = await this.dlqDepth();
        return depth === undefined ? [] : [{ value: depth }];
      },
    });
  }

  private dlqRead: { at: number; depth: Promise<number | undefined> } | undefined;
  /** A channel of its own: a failed check (the queue deleted) closes it, never the consumer's. */
  private observer: ChannelWrapper | undefined;

  /** The DLQ's depth, read from RabbitMQ at most once a second; undefined while it cannot be read. */
  private dlqDepth(): Promise<number | undefined> {
    if (!this.dlqRead || Date.now() - this.dlqRead.at > 1_000) {
      this.observer ??= this.amqp.createChannel({ name: 'dlq-depth' });
      const depth = this.amqp.isConnected()
        ? this.observer.checkQueue(TOPOLOGY.deadLetterQueue).then((q) => q.messageCount, () => undefined)
        : Promise.resolve(undefined);
      this.dlqRead = { at: Date.now(), depth };
    }
    return this.dlqRead.depth;
  }

  async onApplicationShutdown(): Promise<void> {
    // Closing the channel stops deliveries; unacked messages go back to the queue for someone else.
    await this.channel?.close().catch(() => undefined);
    await this.observer?.close().catch(() => undefined);
    await this.notices.close().catch(() => undefined);
    await this.amqp.close().catch(() => undefined);
    this.stopping.abort();
    await this.mongo.close().catch(() => undefined);
  }

  /**
   * Declares the queues and consumes. Also when the broker cancelled the consumer because the queue
   * was deleted: the channel is still open, so the connection manager would not run the setup again.
   */
  private async subscribe(channel: ConfirmChannel): Promise<void> {
    await declareTopology(channel, topologyOptions(this.config));
    await this.policy.consume(channel, this.config.CONSUMER_PREFETCH, () => {
      this.subscribe(channel).catch((error: Error) =>
        this.logger.error(`could not subscribe again (${error.message}); the next reconnect will`),
      );
    });
    this.setupError = undefined;
  }

  /** Why the consumer could not be set up (declare the queues, consume), until it is. */
  setupError: string | undefined;

  /** Messages are being handled and none has been settled for STUCK_AFTER_MS. */
  isStuck(): boolean {
    return this.policy.isStuck(this.config.STUCK_AFTER_MS);
  }

  amqpConnected(): boolean {
    return this.amqp.isConnected();
  }

  counters(): ConsumerCounters {
    return { ...this.policy.counters };
  }

  async mongoUp(): Promise<boolean> {
    await this.mongo.db(this.config.MONGO_DB).command({ ping: 1 });
    return true;
  }

  private readonly stopping = new AbortController();

  /** Start even if MongoDB is down (messages then wait in the retry queue); the projector creates the indexes. */
  private async connectMongo(): Promise<void> {
    let warned = false;
    await connectWhenMongoAnswers(this.mongo, {
      signal: this.stopping.signal,
      onRetry: (error) => {
        if (!warned) this.logger.warn(`MongoDB not ready (${error.message}); messages wait in the retry queue until it is`);
        warned = true;
      },
    });
  }
}
