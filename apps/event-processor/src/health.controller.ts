import { runHealthChecks, type HealthReport } from '@acme/http';
import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RelayService } from './relay/relay.service';

/** Ready only while it can publish: Postgres answers, RabbitMQ is connected and the relay is not failing. */
@Controller('health')
export class HealthController {
  constructor(private readonly relay: RelayService) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport & { relay: object }> {
    const report = await runHealthChecks({
      postgres: async () => (await this.relay.pool.query('SELECT 1'), true),
      rabbitmq: () => Promise.resolve(this.relay.amqp.isConnected()),
      relay: () => Promise.resolve(this.relay.relay.status.state !== 'failing'),
    });
    void reply.status(report.status === 'ok' ? 200 : 503);
    return { ...report, relay: this.relay.relay.status };
  }
}
