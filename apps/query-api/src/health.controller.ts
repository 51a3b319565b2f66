import { ApiHealth, HealthReportDto, runHealthChecks, type HealthReport } from '@acme/http';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ReadModel } from './read-model.provider';

class QueryApiHealthDto extends HealthReportDto {
  @ApiProperty({ enum: ['notified', 'polling'], description: 'how ?minVersion reads learn of new versions' })
  readYourWrites!: 'notified' | 'polling';
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly readModel: ReadModel) {}

  @Get()
  @ApiHealth(QueryApiHealthDto)
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport & { readYourWrites: 'notified' | 'polling' }> {
    const report = await runHealthChecks({ mongodb: () => this.readModel.ping() });
    void reply.status(report.status === 'ok' ? 200 : 503);
    // Informational: without RabbitMQ, `?minVersion` reads poll (slower), they do not fail.
    return { ...report, readYourWrites: this.readModel.readYourWrites };
  }
}
