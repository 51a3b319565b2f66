import { ApiHealth, HealthReportDto, runHealthChecks, type HealthReport } from '@acme/http';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ViewStore } from './view-store.provider';

class QueryApiHealthDto extends HealthReportDto {
  @ApiProperty({ enum: ['notified', 'polling'], description: 'how ?minVersion reads learn of new versions' })
  readYourWrites!: 'notified' | 'polling';
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly views: ViewStore) {}

  @Get()
  @ApiHealth(QueryApiHealthDto)
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport & { readYourWrites: 'notified' | 'polling' }> {
    const report = await runHealthChecks({ mongodb: () => this.views.ping() });
    void reply.status(report.status === 'ok' ? 200 : 503);
    // Informational: without RabbitMQ, `?minVersion` reads poll (slower), they do not fail.
    return { ...report, readYourWrites: this.views.readYourWrites };
  }
}
