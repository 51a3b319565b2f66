import { runHealthChecks, type HealthReport } from '@acme/http';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ReadModel } from './read-model.provider';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly readModel: ReadModel) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await runHealthChecks({ mongodb: () => this.readModel.ping() });
    void reply.status(report.status === 'ok' ? 200 : 503);
    return report;
  }
}
