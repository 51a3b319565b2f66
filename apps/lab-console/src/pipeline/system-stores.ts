import { connectWhenMongoAnswers, createMongoClient } from '@acme/read-model';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Db, MongoClient } from 'mongodb';
import { Pool } from 'pg';
import type { LabConsoleConfig } from '../lab-console.config';
import { LAB_CONSOLE_CONFIG } from '../tokens';

/**
 * Read-only connections to the two stores, for the figures that are true of the system now (rows in
 * the outbox, views and events on the read side). Every read is bounded: a store that is down makes its
 * figures n/a within a couple of seconds, it never stalls the page.
 */
@Injectable()
export class SystemStores implements OnModuleDestroy {
  private readonly logger = new Logger('SystemStores');
  readonly pg: Pool;
  private readonly client: MongoClient;
  readonly mongo: Db;
  private readonly stopping = new AbortController();

  constructor(@Inject(LAB_CONSOLE_CONFIG) config: LabConsoleConfig) {
    this.pg = new Pool({ connectionString: config.DATABASE_URL, max: 2, connectionTimeoutMillis: 2_000, query_timeout: 2_000 });
    this.pg.on('error', () => undefined); // an idle connection the server dropped: the next read opens another
    this.client = createMongoClient(config.MONGO_URL, 2_000);
    this.mongo = this.client.db(config.MONGO_DB);
    let warned = false;
    void connectWhenMongoAnswers(this.client, {
      signal: this.stopping.signal,
      onRetry: (error) => {
        if (!warned) this.logger.warn(`MongoDB not reachable yet (${error.message}); its figures are n/a until it is`);
        warned = true;
      },
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await Promise.all([this.pg.end().catch(() => undefined), this.client.close().catch(() => undefined)]);
  }
}
