import { runHealthChecks, type HealthReport } from '@acme/http';
import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SubscriberService } from './consumer/subscriber.service';

@Controller('health')
export class HealthController {
  constructor(private readonly subscriber: SubscriberService) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport & { counters: object; stuck: boolean }> {
    let stuck = false;
    const report = await runHealthChecks({
      rabbitmq: () => Promise.resolve(this.subscriber.amqp.isConnected()),
      mongodb: () => this.subscriber.mongoUp(),
      progress: () => Promise.resolve(!(stuck = this.subscriber.isStuck())),
    });
    void reply.status(report.status === 'ok' ? 200 : 503);
    return { ...report, counters: this.subscriber.policy.counters, stuck };
  }
}
