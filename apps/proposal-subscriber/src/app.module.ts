import type { ProposalSubscriberConfig } from '@acme/config';
import { Module, type DynamicModule } from '@nestjs/common';
import { SubscriberService } from './consumer/subscriber.service';
import { HealthController } from './health.controller';
import { SUBSCRIBER_CONFIG } from './tokens';

@Module({})
export class ProposalSubscriberModule {
  static forConfig(config: ProposalSubscriberConfig): DynamicModule {
    return {
      module: ProposalSubscriberModule,
      controllers: [HealthController],
      providers: [{ provide: SUBSCRIBER_CONFIG, useValue: config }, SubscriberService],
    };
  }
}
