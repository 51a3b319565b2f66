import type { QueryApiConfig } from '@acme/config';
import { Module, type DynamicModule } from '@nestjs/common';
import { GetCustomerProposalsHttpController } from './customers/queries/get-customer-proposals/get-customer-proposals.http.controller';
import { ListDuplicatesHttpController } from './duplicates/queries/list-duplicates/list-duplicates.http.controller';
import { HealthController } from './health.controller';
import { GetProposalEventsHttpController } from './proposals/queries/get-proposal-events/get-proposal-events.http.controller';
import { GetProposalHttpController } from './proposals/queries/get-proposal/get-proposal.http.controller';
import { ListProposalsHttpController } from './proposals/queries/list-proposals/list-proposals.http.controller';
import { ViewStore } from './view-store.provider';
import { QUERY_API_CONFIG } from './tokens';

@Module({})
export class QueryApiModule {
  static forConfig(config: QueryApiConfig): DynamicModule {
    return {
      module: QueryApiModule,
      controllers: [
        ListProposalsHttpController,
        GetProposalHttpController,
        GetProposalEventsHttpController,
        GetCustomerProposalsHttpController,
        ListDuplicatesHttpController,
        HealthController,
      ],
      providers: [{ provide: QUERY_API_CONFIG, useValue: config }, ViewStore],
    };
  }
}
