import type { CommandApiConfig } from '@acme/config';
import { boundedPgSettings, PostgresTransactions, WRITE_ENTITIES } from '@acme/write-persistence';
import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ChangeStatusHandler } from './proposals/commands/change-status/change-status.handler';
import { ChangeStatusHttpController } from './proposals/commands/change-status/change-status.http.controller';
import { CreateProposalHandler } from './proposals/commands/create-proposal/create-proposal.handler';
import { CreateProposalHttpController } from './proposals/commands/create-proposal/create-proposal.http.controller';
import { RemoveProposalHandler } from './proposals/commands/remove-proposal/remove-proposal.handler';
import { RemoveProposalHttpController } from './proposals/commands/remove-proposal/remove-proposal.http.controller';
import { ReplacePaxHandler } from './proposals/commands/replace-pax/replace-pax.handler';
import { ReplacePaxHttpController } from './proposals/commands/replace-pax/replace-pax.http.controller';
import { CreateCustomerHandler } from './customers/commands/create-customer/create-customer.handler';
import { CreateCustomerHttpController } from './customers/commands/create-customer/create-customer.http.controller';
import { EventPublication } from './proposals/event-publication';
import { ProposalChanges } from './proposals/proposal-changes';
import { HealthController } from './health.controller';
import { Clock, SystemClock } from './shared/clock';
import { IdempotencyKeys } from './shared/idempotency-keys';
import { COMMAND_API_CONFIG, WRITE_STORE } from './shared/tokens';

@Module({})
export class CommandApiModule {
  static forConfig(config: CommandApiConfig): DynamicModule {
    return {
      module: CommandApiModule,
      imports: [
        CqrsModule.forRoot(),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.DATABASE_URL,
          entities: WRITE_ENTITIES,
          synchronize: false, // the schema is sql/*.sql, applied by applySchema()
          // Bounded connects and queries: a silent link fails the request (503) instead of hanging it.
          extra: boundedPgSettings(config),
          retryAttempts: 0,
        }),
      ],
      controllers: [
        CreateProposalHttpController,
        ReplacePaxHttpController,
        ChangeStatusHttpController,
        RemoveProposalHttpController,
        CreateCustomerHttpController,
        HealthController,
      ],
      providers: [
        { provide: COMMAND_API_CONFIG, useValue: config },
        { provide: Clock, useClass: SystemClock },
        { provide: WRITE_STORE, useFactory: (dataSource: DataSource) => new PostgresTransactions(dataSource), inject: [DataSource] },
        IdempotencyKeys,
        EventPublication,
        ProposalChanges,
        CreateProposalHandler,
        ReplacePaxHandler,
        ChangeStatusHandler,
        RemoveProposalHandler,
        CreateCustomerHandler,
      ],
    };
  }
}
