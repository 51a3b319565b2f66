import { TOPOLOGY } from '@acme/contracts';
import { declareTopology } from '@acme/messaging';
import {
  createTestDatabase,
  createTestMongo,
  createTestVhost,
  http,
  RunningApp,
  testEnv,
  waitFor,
  type TestDatabase,
  type TestMongo,
  type TestVhost,
} from '@acme/testing';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Queues from an older run (classic, before quorum queues were the default) under apps that declare
 * quorum queues: the apps say what is wrong and how to fix it, keep running, and recover by themselves
 * once the queues are gone (what `npm run lab -- reset --topology` does).
 */
describe('queues declared with other settings', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let mongo: TestMongo;
  let apps: RunningApp[] = [];

  beforeAll(async () => {
    [db, vhost, mongo] = await Promise.all([createTestDatabase(), createTestVhost(), createTestMongo()]);
    const connection = await vhost.connect();
    await declareTopology(await connection.createChannel(), { messageTtlMs: 86_400_000, retryDelayMs: 2_000, queueType: 'classic' });
    await connection.close();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await Promise.all([db.drop(), vhost.delete(), mongo.drop()]);
  });

  it('report the mismatch with the fix in /health, do not crash, and consume quorum queues once the old ones are deleted', async () => {
    // Given the relay and the subscriber started on a vhost with classic queues
    const env = { DATABASE_URL: db.url, AMQP_URL: vhost.url, MONGO_URL: testEnv().mongoUrl, MONGO_DB: mongo.dbName, RELAY_POLL_INTERVAL_MS: '200' };
    apps = await Promise.all([
      RunningApp.start('event-processor', env, { waitHealthy: false }),
      RunningApp.start('proposal-subscriber', env, { waitHealthy: false }),
    ]);
    const [relay, subscriber] = apps as [RunningApp, RunningApp];

    // Then both answer 503 and name the fix
    const health = async (app: RunningApp) => (await http('GET', `${app.url}/health`).catch(() => ({ status: 0, body: undefined }))) as { status: number; body: unknown };
    await waitFor(async () => {
      const [r, s] = await Promise.all([health(relay), health(subscriber)]);
      return r.status === 503 && s.status === 503 && JSON.stringify([r.body, s.body]).split('npm run lab -- reset --topology').length === 3;
    }, 'both apps to report the topology mismatch', 20_000, 200);
    expect((await health(relay)).body).toMatchObject({ relay: { state: 'failing', lastError: expect.stringMatching(/x-queue-type/) } });
    expect((await health(subscriber)).body).toMatchObject({ checks: { consumer: 'down' }, consumerSetupError: expect.stringMatching(/x-queue-type/) });

    // When the old queues are deleted (the lab's reset --topology deletes them, then declares)
    const connection = await vhost.connect();
    const channel = await connection.createChannel();
    for (const queue of [TOPOLOGY.workQueue, TOPOLOGY.retryQueue, TOPOLOGY.deadLetterQueue]) await channel.deleteQueue(queue);
    await connection.close();

    // Then both recover by themselves, on quorum queues, and neither process ever exited
    await Promise.all([relay.waitHealthy(30_000), subscriber.waitHealthy(30_000)]);
    const workQueue = new RegExp(`^${TOPOLOGY.workQueue.replace(/\./g, '\\.')}\\s+quorum\\s+1$`, 'm');
    const listQueues = () => promisify(execFile)('rabbitmqctl', ['-q', 'list_queues', '-p', vhost.name, 'name', 'type', 'consumers']);
    // (a quorum queue's consumer count is reported a moment after the consumer registered)
    await waitFor(async () => workQueue.test((await listQueues()).stdout), 'the subscriber consuming the quorum work queue', 10_000, 250);
    expect(apps.map((app) => app.crashes)).toEqual([0, 0]);
  });
});
