import type { QueryApiConfig } from '@acme/config';
import { createMongoClient, ensureIndexes, ProposalQueries } from '@acme/read-model';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { MongoClient } from 'mongodb';
import { QUERY_API_CONFIG } from './tokens';

/** The query side's only dependency: the MongoDB views, through the read-model lib's queries. */
@Injectable()
export class ReadModel implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReadModel.name);
  private readonly client: MongoClient;
  readonly queries: ProposalQueries;

  constructor(@Inject(QUERY_API_CONFIG) readonly config: QueryApiConfig) {
    this.client = createMongoClient(config.MONGO_URL);
    this.queries = new ProposalQueries(this.client.db(config.MONGO_DB));
  }

  async onModuleInit(): Promise<void> {
    await ensureIndexes(this.client.db(this.config.MONGO_DB)).catch((error: Error) =>
      this.logger.warn(`MongoDB not ready at start (${error.message}); queries fail with 503 until it is`),
    );
  }

  async ping(): Promise<boolean> {
    await this.client.db(this.config.MONGO_DB).command({ ping: 1 });
    return true;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
