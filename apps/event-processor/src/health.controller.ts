import { runHealthChecks, type HealthReport } from '@acme/http';
import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { RelayStatus } from './relay/outbox-relay';
import { RelayService, type OutboxProgress } from './relay/relay.service';

/**
 * Ready only while it can publish: Postgres answers, RabbitMQ is connected, the relay is neither
 * failing nor holding back unroutable events, and the outbox is not stuck.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly relay: RelayService) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport & { relay: RelayStatus & Partial<OutboxProgress> }> {
    let outbox: OutboxProgress | undefined;
    const report = await runHealthChecks({
      postgres: async () => {
        outbox = await this.relay.outboxProgress();
        return true;
      },
      rabbitmq: () => Promise.resolve(this.relay.brokerConnected),
    });
    const { state } = this.relay.status;
    const relayUp = state !== 'failing' && state !== 'unroutable' && outbox?.stuck !== true;
    report.checks.relay = relayUp ? 'up' : 'down';
    if (!relayUp) report.status = 'unavailable';
    void reply.status(report.status === 'ok' ? 200 : 503);
    return { ...report, relay: { ...this.relay.status, ...outbox } };
  }
}
