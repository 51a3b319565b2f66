import type { EventProcessorConfig } from '@acme/config';
import { connectAmqp, declareTopology } from '@acme/messaging';
import { applySchema, ensureDatabase, listenForOutboxInserts, OutboxRelayStore } from '@acme/write-persistence';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { Pool } from 'pg';
import { Gauge } from 'prom-client';
import { EVENT_PROCESSOR_CONFIG } from '../tokens';
import { OutboxRelay } from './outbox-relay';

const RELISTEN_DELAY_MS = 2_000;
const HOUSEKEEPING_INTERVAL_MS = 60_000;
const HOUSEKEEPING_BATCH = 1_000;

/** Wires the relay to Postgres (pool + LISTEN) and RabbitMQ (a confirm channel), and runs housekeeping. */
@Injectable()
export class RelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  readonly pool: Pool;
  readonly amqp: AmqpConnectionManager;
  private readonly channel: ChannelWrapper;
  readonly relay: OutboxRelay;
  readonly store: OutboxRelayStore;
  private stopListening: (() => Promise<void>) | undefined;
  private housekeeping: NodeJS.Timeout | undefined;
  private shuttingDown = false;

  constructor(@Inject(EVENT_PROCESSOR_CONFIG) private readonly config: EventProcessorConfig) {
    this.pool = new Pool({ connectionString: config.DATABASE_URL, max: config.PG_POOL_SIZE });
    this.pool.on('error', (error) => this.logger.warn(`idle Postgres connection failed: ${error.message}`));
    this.amqp = connectAmqp(config.AMQP_URL, 'acme.event-processor', this.logger);
    this.channel = this.amqp.createChannel({
      name: 'relay',
      confirm: true,
      publishTimeout: 10_000,
      setup: (channel: ConfirmChannel) =>
        declareTopology(channel, { messageTtlMs: config.QUEUE_MESSAGE_TTL_MS, retryDelayMs: config.RETRY_DELAY_MS }),
    });
    // A failing setup (e.g. PRECONDITION_FAILED: queues declared with other TTLs) is reported here;
    // without a listener the emitter would throw and end the process.
    this.channel.on('error', (error: Error) => this.logger.error(`RabbitMQ channel setup failed: ${error.message}`));
    this.store = new OutboxRelayStore(this.pool);
    const store = this.store;
    new Gauge({
      name: 'acme_outbox_backlog',
      help: 'Unprocessed rows in proposalevents (read when scraped)',
      async collect() {
        this.set(await store.backlog());
      },
    });
    this.relay = new OutboxRelay(
      this.store,
      this.channel,
      () => this.amqp.isConnected(),
      { batchSize: config.RELAY_BATCH_SIZE, pollIntervalMs: config.RELAY_POLL_INTERVAL_MS },
      this.logger,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureDatabase(this.config.DATABASE_URL);
    await applySchema(this.config.DATABASE_URL);
    await this.listen();
    // Start relaying once the confirm channel is up (or after 10 s: the loop copes with an absent broker).
    await Promise.race([this.channel.waitForConnect(), new Promise((r) => setTimeout(r, 10_000).unref())]);
    this.relay.start();
    if (this.config.OUTBOX_RETENTION_HOURS > 0) {
      this.housekeeping = setInterval(() => void this.deleteOldProcessedRows(), HOUSEKEEPING_INTERVAL_MS);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.housekeeping);
    await this.relay.stop();
    await this.stopListening?.();
    await this.channel.close().catch(() => undefined);
    await this.amqp.close().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  /** LISTEN for the outbox trigger; if that connection drops, polling carries on and we listen again. */
  private async listen(): Promise<void> {
    try {
      this.stopListening = await listenForOutboxInserts(
        this.config.DATABASE_URL,
        () => this.relay.notify(),
        (error) => {
          if (this.shuttingDown) return;
          this.logger.warn(`LISTEN connection lost (${error.message}); polling until it is back`);
          this.stopListening = undefined;
          setTimeout(() => void this.listen(), RELISTEN_DELAY_MS).unref();
        },
      );
    } catch {
      if (!this.shuttingDown) setTimeout(() => void this.listen(), RELISTEN_DELAY_MS).unref();
    }
  }

  private async deleteOldProcessedRows(): Promise<void> {
    try {
      let deleted = 0;
      let batch: number;
      do {
        batch = await this.store.deleteProcessedOlderThan(this.config.OUTBOX_RETENTION_HOURS, HOUSEKEEPING_BATCH);
        deleted += batch;
      } while (batch === HOUSEKEEPING_BATCH);
      if (deleted > 0) this.logger.log(`housekeeping: deleted ${deleted} processed outbox rows`);
    } catch (error) {
      this.logger.warn(`housekeeping failed: ${(error as Error).message}`);
    }
  }
}
