import { ApiHealth, HealthReportDto, runHealthChecks, type HealthReport } from '@acme/http';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { EventPublication } from './proposals/event-publication';

class CommandApiHealthDto extends HealthReportDto {
  @ApiProperty({ enum: ['outbox', 'direct'] })
  publishMode!: 'outbox' | 'direct';
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventPublication,
  ) {}

  @Get()
  @ApiHealth(CommandApiHealthDto)
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport & { publishMode: string }> {
    const report = await runHealthChecks({
      postgres: async () => (await this.dataSource.query('SELECT 1'), true),
      // Only direct mode talks to RabbitMQ from here; in outbox mode the broker is the relay's concern.
      ...(this.events.mode === 'direct' ? { rabbitmq: () => Promise.resolve(this.events.brokerConnected()) } : {}),
    });
    void reply.status(report.status === 'ok' ? 200 : 503);
    return { ...report, publishMode: this.events.mode };
  }
}
