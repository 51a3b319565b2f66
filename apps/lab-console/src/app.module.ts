import { Module, type DynamicModule } from '@nestjs/common';
import { CreateProposalHttpController } from './actions/create-proposal/create-proposal.http.controller';
import { RedriveDlqHttpController } from './actions/redrive-dlq/redrive-dlq.http.controller';
import { ReplayEventHttpController } from './actions/replay-event/replay-event.http.controller';
import { SendPoisonHttpController } from './actions/send-poison/send-poison.http.controller';
import { HealthController } from './health.controller';
import type { LabConsoleConfig } from './lab-console.config';
import { PageHttpController } from './page/page.http.controller';
import { GetSnapshotHttpController } from './pipeline/get-snapshot.http.controller';
import { PipelineMonitor } from './pipeline/pipeline-monitor.service';
import { RabbitProbe } from './pipeline/rabbit-probe';
import { SystemStores } from './pipeline/system-stores';
import { LAB_CONSOLE_CONFIG } from './tokens';

@Module({})
export class LabConsoleModule {
  static forConfig(config: LabConsoleConfig): DynamicModule {
    return {
      module: LabConsoleModule,
      controllers: [
        PageHttpController,
        GetSnapshotHttpController,
        CreateProposalHttpController,
        ReplayEventHttpController,
        SendPoisonHttpController,
        RedriveDlqHttpController,
        HealthController,
      ],
      providers: [{ provide: LAB_CONSOLE_CONFIG, useValue: config }, RabbitProbe, SystemStores, PipelineMonitor],
    };
  }
}
