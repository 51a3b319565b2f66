import { runHealthChecks, type HealthReport } from '@acme/http';
import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SubscriberService } from './consumer/subscriber.service';

/** Ready while it consumes: RabbitMQ connected, the consumer set up, MongoDB answering, progress made. */
@Controller('health')
export class HealthController {
  constructor(private readonly subscriber: SubscriberService) {}

  @Get()
  async health(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HealthReport & { counters: object; stuck: boolean; consumerSetupError?: string }> {
    const stuck = this.subscriber.isStuck();
    const { setupError } = this.subscriber;
    const report = await runHealthChecks({
      rabbitmq: () => Promise.resolve(this.subscriber.amqpConnected()),
      consumer: () => Promise.resolve(setupError === undefined),
      mongodb: () => this.subscriber.mongoUp(),
      progress: () => Promise.resolve(!stuck),
    });
    void reply.status(report.status === 'ok' ? 200 : 503);
    return { ...report, counters: this.subscriber.counters(), stuck, ...(setupError ? { consumerSetupError: setupError } : {}) };
  }
}
