import { Controller, Get, Header } from '@nestjs/common';
import { PipelineMonitor } from './pipeline-monitor.service';
import type { Snapshot } from './snapshot';

@Controller('api')
export class GetSnapshotHttpController {
  constructor(private readonly monitor: PipelineMonitor) {}

  /** Every figure on the page, as of the last one-second sample (the page polls this). */
  @Get('snapshot')
  @Header('cache-control', 'no-store')
  snapshot(): Promise<Snapshot> {
    return this.monitor.snapshot();
  }
}
