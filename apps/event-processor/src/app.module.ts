import type { EventProcessorConfig } from '@acme/config';
import { Module, type DynamicModule } from '@nestjs/common';
import { ReplayHttpController } from './admin/replay.http.controller';
import { HealthController } from './health.controller';
import { RelayService } from './relay/relay.service';
import { EVENT_PROCESSOR_CONFIG } from './tokens';

@Module({})
export class EventProcessorModule {
  static forConfig(config: EventProcessorConfig): DynamicModule {
    return {
      module: EventProcessorModule,
      controllers: [HealthController, ReplayHttpController],
      providers: [{ provide: EVENT_PROCESSOR_CONFIG, useValue: config }, RelayService],
    };
  }
}
