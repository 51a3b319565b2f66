import type { EventProcessorConfig } from '@acme/config';
import { Module, type DynamicModule } from '@nestjs/common';
import { HealthController } from './health.controller';
import { RelayService } from './relay/relay.service';
import { EVENT_PROCESSOR_CONFIG } from './tokens';

@Module({})
export class EventProcessorModule {
  static forConfig(config: EventProcessorConfig): DynamicModule {
    return {
      module: EventProcessorModule,
      controllers: [HealthController],
      providers: [{ provide: EVENT_PROCESSOR_CONFIG, useValue: config }, RelayService],
    };
  }
}
