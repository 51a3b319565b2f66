import { runHealthChecks, type HealthReport } from '@acme/http';
import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PipelineMonitor } from './pipeline/pipeline-monitor.service';

/**
 * Healthy while it keeps sampling. What it watches being down is not the console's own failure:
 * that is what the page is there to show.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly monitor: PipelineMonitor) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await runHealthChecks({ sampler: () => Promise.resolve(this.monitor.secondsSinceLastSample < 10) });
    void reply.status(report.status === 'ok' ? 200 : 503);
    return report;
  }
}
