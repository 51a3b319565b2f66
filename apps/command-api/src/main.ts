import './telemetry';
import 'reflect-metadata';
import { commandApiSchema, loadConfig } from '@acme/config';
import { createHttpApp, listen, runMain } from '@acme/http';
import { applySchema, ensureDatabase } from '@acme/write-persistence';
import { CommandApiModule } from './app.module';

runMain('command-api', async () => {
  const config = loadConfig(commandApiSchema);
  await ensureDatabase(config.DATABASE_URL);
  await applySchema(config.DATABASE_URL);
  const app = await createHttpApp(CommandApiModule.forConfig(config), {
    name: 'command-api',
    port: config.COMMAND_API_PORT,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    openApi: {
      title: 'ACME Proposals — command API',
      description: 'Write side: every change is stored with its event in one transaction (transactional outbox).',
    },
  });
  await listen(app, 'command-api', config.COMMAND_API_PORT, config.HOST);
});
