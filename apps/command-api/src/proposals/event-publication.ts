import type { CommandApiConfig } from '@acme/config';
import type { ProposalEvent } from '@acme/contracts';
import { connectAmqp, toProposalMessage } from '@acme/messaging';
import type { WriteStore } from '@acme/domain';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import { Counter } from 'prom-client';
import { COMMAND_API_CONFIG } from '../shared/tokens';

const eventsStored = new Counter({
  name: 'acme_events_stored_total',
  help: 'Proposal changes committed by the command API (each with one event)',
  labelNames: ['mode'],
});

/**
 * How a command's event leaves the write side — the lesson of the course in one class.
 *
 * - `outbox` (default, reliable): the event row is inserted by the command's own transaction
 *   (`record`), and apps/event-processor publishes it after commit. Broker down? The row waits.
 * - `direct` (the course's flawed "v2" dual write, kept for Lab 1): the transaction commits
 *   without an event row, then `afterCommit` (which `record` schedules) publishes straight to
 *   RabbitMQ. If the broker is down at that moment the request still succeeds and the event is lost.
 */
@Injectable()
export class EventPublication implements OnModuleDestroy {
  private readonly logger = new Logger(EventPublication.name);
  private readonly amqp?: { connection: AmqpConnectionManager; channel: ChannelWrapper };

  constructor(@Inject(COMMAND_API_CONFIG) private readonly config: CommandApiConfig) {
    if (config.PUBLISH_MODE === 'direct') {
      const connection = connectAmqp(config.AMQP_URL, 'acme.command-api.direct', this.logger);
      const channel = connection.createChannel({ confirm: true, publishTimeout: 2_000 });
      channel.on('error', (error: Error) => this.logger.error(`RabbitMQ channel failed: ${error.message}`));
      this.amqp = { connection, channel };
      this.logger.warn('PUBLISH_MODE=direct: dual write without an outbox — events WILL be lost when RabbitMQ is down');
    }
  }

  get mode(): CommandApiConfig['PUBLISH_MODE'] {
    return this.config.PUBLISH_MODE;
  }

  brokerConnected(): boolean {
    return this.amqp?.connection.isConnected() ?? false;
  }

  /** Inside the command's transaction. Returns the outbox event_id, or null in direct mode. */
  async record(store: WriteStore, event: ProposalEvent): Promise<number | null> {
    store.afterCommit(() => this.afterCommit(event));
    return this.amqp ? null : store.appendToOutbox(event);
  }

  /** After the transaction committed. Only direct mode does anything here — and that is the flaw. */
  async afterCommit(event: ProposalEvent): Promise<void> {
    eventsStored.inc({ mode: this.config.PUBLISH_MODE });
    if (!this.amqp) return;
    const { connection, channel } = this.amqp;
    try {
      if (!connection.isConnected()) throw new Error('RabbitMQ is not connected');
      const message = toProposalMessage(event, 'acme.command-api');
      await channel.publish(message.exchange, message.routingKey, message.content, message.options);
    } catch (error) {
      this.logger.error(
        `EVENT LOST (direct mode): ${event.type} v${event.version} of proposal ${event.proposalId} ` +
          `(${event.eventId}) was committed but never published: ${(error as Error).message}`,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.amqp?.connection.close();
  }
}
