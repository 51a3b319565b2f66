import 'reflect-metadata';
import { createHttpApp, listen, runMain } from '@acme/http';
import { LabConsoleModule } from './app.module';
import { loadLabConsoleConfig } from './lab-console.config';

runMain('lab-console', async () => {
  const config = loadLabConsoleConfig();
  const app = await createHttpApp(LabConsoleModule.forConfig(config), {
    name: 'lab-console',
    port: config.LAB_CONSOLE_PORT,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
  });
  await listen(app, 'lab-console', config.LAB_CONSOLE_PORT, config.HOST);
});
