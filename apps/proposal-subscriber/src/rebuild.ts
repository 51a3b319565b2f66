import { loadConfig, mongoEnv } from '@acme/config';
import { runMain } from '@acme/http';
import { createMongoClient, rebuildViews } from '@acme/read-model';
import { z } from 'zod';

/** `node dist/apps/proposal-subscriber/src/rebuild.js` — drop the views and rebuild them from the event store. */
runMain('rebuild', async () => {
  const config = loadConfig(z.object(mongoEnv));
  const client = createMongoClient(config.MONGO_URL, config.MONGO_SOCKET_TIMEOUT_MS);
  try {
    const result = await rebuildViews(client.db(config.MONGO_DB), (done, total) =>
      process.stdout.write(`\rreplayed ${done}/${total} events`),
    );
    process.stdout.write(
      `\nrebuilt ${result.proposals} proposal views and ${result.customers} customer views from ${result.events} events\n`,
    );
  } finally {
    await client.close();
  }
});
