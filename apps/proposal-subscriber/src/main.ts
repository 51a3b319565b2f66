import './telemetry';
import 'reflect-metadata';
import { loadConfig, proposalSubscriberSchema } from '@acme/config';
import { createHttpApp, listen, runMain } from '@acme/http';
import { ProposalSubscriberModule } from './app.module';

runMain('proposal-subscriber', async () => {
  const config = loadConfig(proposalSubscriberSchema);
  const app = await createHttpApp(ProposalSubscriberModule.forConfig(config), {
    name: 'proposal-subscriber',
    port: config.PROPOSAL_SUBSCRIBER_PORT,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
  });
  await listen(app, 'proposal-subscriber', config.PROPOSAL_SUBSCRIBER_PORT, config.HOST);
});
