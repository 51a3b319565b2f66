import './telemetry';
import 'reflect-metadata';
import { eventProcessorSchema, loadConfig } from '@acme/config';
import { createHttpApp, listen, runMain } from '@acme/http';
import { EventProcessorModule } from './app.module';

runMain('event-processor', async () => {
  const config = loadConfig(eventProcessorSchema);
  const app = await createHttpApp(EventProcessorModule.forConfig(config), {
    name: 'event-processor',
    port: config.EVENT_PROCESSOR_PORT,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
  });
  await listen(app, 'event-processor', config.EVENT_PROCESSOR_PORT, config.HOST);
});
