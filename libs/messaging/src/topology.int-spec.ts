import { TOPOLOGY } from '@acme/contracts';
import { createTestVhost, waitFor, type TestVhost } from '@acme/testing';
import type { Channel, ChannelModel } from 'amqplib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { listDeadLetters } from './dead-letters';
import { declareTopology, TopologyMismatchError } from './topology';

describe('RabbitMQ topology', () => {
  let vhost: TestVhost;
  let connection: ChannelModel;
  let channel: Channel;

  beforeAll(async () => {
    vhost = await createTestVhost();
    connection = await vhost.connect();
    channel = await connection.createChannel();
    // Declared twice on purpose: every app declares it at start, so it must be idempotent.
    await declareTopology(channel, { messageTtlMs: 1_000, retryDelayMs: 300 });
    await declareTopology(channel, { messageTtlMs: 1_000, retryDelayMs: 300 });
  });

  afterAll(async () => {
    await connection.close();
    await vhost.delete();
  });

  const depth = async (queue: string) => (await channel.checkQueue(queue)).messageCount;

  it('is inspectable with rabbitmqctl: the work queue has its TTL and dead-letter exchange, the retry queue its delay', async () => {
    // When the queues are listed as an operator would
    const { stdout } = await promisify(execFile)('rabbitmqctl', ['-q', 'list_queues', '-p', vhost.name, 'name', 'arguments']);

    // Then the contract's arguments are visible
    const line = (name: string) => stdout.split('\n').find((l) => l.startsWith(`${name}\t`)) ?? '';
    expect(line(TOPOLOGY.workQueue)).toContain('"x-message-ttl",1000');
    expect(line(TOPOLOGY.workQueue)).toContain('"x-dead-letter-exchange","acme.sales.dlx"');
    expect(line(TOPOLOGY.retryQueue)).toContain('"x-message-ttl",300');
    expect(line(TOPOLOGY.retryQueue)).toContain(`"x-dead-letter-routing-key","${TOPOLOGY.workQueue}"`);
    // quorum queues by default, dead-lettering at-least-once (it needs reject-publish), with a delivery limit
    for (const queue of [TOPOLOGY.workQueue, TOPOLOGY.retryQueue]) {
      expect(line(queue)).toContain('"x-queue-type","quorum"');
      expect(line(queue)).toContain('"x-dead-letter-strategy","at-least-once"');
      expect(line(queue)).toContain('"x-overflow","reject-publish"');
      expect(line(queue)).toMatch(/"x-delivery-limit",\d+/);
    }
    expect(line(TOPOLOGY.deadLetterQueue)).toContain('"x-queue-type","quorum"');
  });

  it('refuses queues declared with other settings with a message that says how to fix it, not a bare PRECONDITION_FAILED', async () => {
    // Given the queues of an older run: classic queues in a vhost of their own
    const other = await createTestVhost();
    const old = await other.connect();
    try {
      await declareTopology(await old.createChannel(), { messageTtlMs: 1_000, retryDelayMs: 300, queueType: 'classic' });

      // When an app declares the (default) quorum topology
      const channel = await old.createChannel();
      channel.on('error', () => undefined); // the broker closes the channel on a 406
      const attempt = declareTopology(channel, { messageTtlMs: 1_000, retryDelayMs: 300 });

      // Then it is told what differs and the one command that migrates
      await expect(attempt).rejects.toBeInstanceOf(TopologyMismatchError);
      await expect(attempt).rejects.toThrow(/x-queue-type.*npm run lab -- reset --topology/);
    } finally {
      await old.close().catch(() => undefined);
      await other.delete();
    }
  });

  it('routes proposal.* to the work queue and dead-letters a message that outlives its TTL, instead of dropping it', async () => {
    // Given a message nobody consumes
    channel.publish(TOPOLOGY.exchange, 'proposal.created', Buffer.from('{}'), { persistent: true, messageId: 'ttl-test' });
    await waitFor(async () => (await depth(TOPOLOGY.workQueue)) === 1, 'routed to the work queue', 5_000);

    // When its TTL passes
    await waitFor(async () => (await depth(TOPOLOGY.deadLetterQueue)) === 1, 'dead-lettered after the TTL', 10_000, 100);

    // Then it is in the DLQ, marked as expired by RabbitMQ, and the operator's listing says so and when
    const [listed] = await listDeadLetters(connection);
    expect(listed).toMatchObject({ messageId: 'ttl-test', reason: `expired in ${TOPOLOGY.workQueue}` });
    expect(Math.abs(Date.parse(listed?.at ?? '') - Date.now())).toBeLessThan(60_000);
    const dead = await channel.get(TOPOLOGY.deadLetterQueue, { noAck: true });
    if (!dead) throw new Error('no dead letter');
    expect(dead.properties.messageId).toBe('ttl-test');
    const death = (dead.properties.headers?.['x-death'] ?? []) as { reason: string; queue: string }[];
    expect(death[0]).toMatchObject({ reason: 'expired', queue: TOPOLOGY.workQueue });
  });

  it('sends a message in the retry queue back to the work queue after the retry delay', async () => {
    // Given a message parked for retry (as the subscriber does on a transient failure)
    await channel.purgeQueue(TOPOLOGY.workQueue);
    channel.sendToQueue(TOPOLOGY.retryQueue, Buffer.from('{}'), { persistent: true, messageId: 'retry-test' });

    // When the delay passes, Then it is back in the work queue
    await waitFor(async () => (await depth(TOPOLOGY.workQueue)) === 1, 'back in the work queue', 5_000, 50);
    const back = await channel.get(TOPOLOGY.workQueue, { noAck: true });
    expect(back && back.properties.messageId).toBe('retry-test');
  });
});
