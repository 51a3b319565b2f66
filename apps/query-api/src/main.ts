import './telemetry';
import 'reflect-metadata';
import { loadConfig, queryApiSchema } from '@acme/config';
import { createHttpApp, listen, runMain } from '@acme/http';
import { QueryApiModule } from './app.module';

runMain('query-api', async () => {
  const config = loadConfig(queryApiSchema);
  const app = await createHttpApp(QueryApiModule.forConfig(config), {
    name: 'query-api',
    port: config.QUERY_API_PORT,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
    openApi: {
      title: 'ACME Proposals — query API',
      description: 'Read side: views projected from the proposal events into MongoDB (eventually consistent).',
    },
  });
  await listen(app, 'query-api', config.QUERY_API_PORT, config.HOST);
});
