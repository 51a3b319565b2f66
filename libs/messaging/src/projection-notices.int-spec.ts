import { TOPOLOGY } from '@acme/contracts';
import { createTestVhost, waitFor, type TestVhost } from '@acme/testing';
import type { AmqpConnectionManager } from 'amqp-connection-manager';
import type { Channel, ChannelModel } from 'amqplib';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connectAmqp } from './amqp-connection';
import { listenForProjectionNotices, ProjectionNoticePublisher, type NoticeChannel } from './projection-notices';

const quiet = { log: () => undefined, warn: () => undefined };

describe('projection notices over RabbitMQ', () => {
  let vhost: TestVhost;
  let amqp: AmqpConnectionManager;
  let admin: ChannelModel;
  let publisher: ProjectionNoticePublisher;
  let listener: NoticeChannel;
  // Records what a VersionSignals would be told.
  const sink = { announced: [] as number[], live: false, signal: (proposalId: number) => void sink.announced.push(proposalId) };
  let disconnects = 0;

  beforeAll(async () => {
    vhost = await createTestVhost();
    admin = await vhost.connect();
    amqp = connectAmqp(vhost.url, 'notices-int', quiet);
    amqp.on('disconnect', () => disconnects++);
    publisher = new ProjectionNoticePublisher(amqp, quiet);
    listener = listenForProjectionNotices(amqp, sink, quiet);
    await publisher.waitForConnect();
    await waitFor(() => Promise.resolve(sink.live), 'the listener to be live', 10_000);
  });

  afterAll(async () => {
    await listener?.close();
    await publisher?.close();
    await amqp?.close();
    await admin?.close();
    await vhost?.delete();
  });

  it('delivers what the publisher announces to the listener', async () => {
    // when
    publisher.publish({ proposalId: 7, version: 3 });

    // then
    await waitFor(() => Promise.resolve(sink.announced.includes(7)), 'the notice', 5_000);
  });

  it('a notice into a missing exchange closes only the notice channel: the connection and its consumer stay up, and the exchange comes back', async () => {
    // given a consumer of another queue on the same connection, as the subscriber has
    const consumed: string[] = [];
    const consumer = amqp.createChannel({
      setup: async (channel: Channel) => {
        await channel.assertQueue('notices-int.work', { autoDelete: true });
        await channel.consume('notices-int.work', (m) => m && consumed.push(m.content.toString()), { noAck: true });
      },
    });
    await consumer.waitForConnect();

    // when the notice exchange is deleted by hand and a notice is published (RabbitMQ: 404, channel closed)
    const ops = await admin.createChannel();
    await ops.deleteExchange(TOPOLOGY.projectedExchange);
    publisher.publish({ proposalId: 8, version: 1 });

    // then the other consumer keeps consuming on the same connection
    ops.sendToQueue('notices-int.work', Buffer.from('still here'));
    await waitFor(() => Promise.resolve(consumed.includes('still here')), 'the other consumer to keep consuming', 5_000);
    // and the publisher's channel opens again and declares the exchange again
    await waitFor(() => exchangeExists(TOPOLOGY.projectedExchange), 'the notice exchange to be declared again', 20_000, 500);
    expect(disconnects).toBe(0);
    await consumer.close();
    await ops.close();
  });

  it('a listener whose queue is deleted goes not-live, opens again on a new queue, and receives notices again', async () => {
    // given the listener's private queue (server-named)
    const { stdout } = await promisify(execFile)('rabbitmqctl', ['-q', 'list_queues', '-p', vhost.name, 'name']);
    const queue = stdout.split('\n').find((line) => line.startsWith('amq.gen-'));
    expect(queue).toBeDefined();

    // when an operator deletes it (it is exclusive to the listener's connection: rabbitmqctl can)
    await promisify(execFile)('rabbitmqctl', ['-q', 'delete_queue', '-p', vhost.name, queue ?? '']);
    await waitFor(() => Promise.resolve(!sink.live), 'the listener to go not-live', 5_000);

    // then it comes back by itself and notices reach it again
    await waitFor(() => Promise.resolve(sink.live), 'the listener to be live again', 20_000, 200);
    publisher.publish({ proposalId: 9, version: 2 });
    await waitFor(() => Promise.resolve(sink.announced.includes(9)), 'the notice after the reopen', 5_000);
    expect(disconnects).toBe(0);
  });

  /** checkExchange on a missing exchange closes the channel (404): a channel of its own each time. */
  async function exchangeExists(name: string): Promise<boolean> {
    const channel = await admin.createChannel();
    channel.on('error', () => undefined);
    try {
      await channel.checkExchange(name);
      await channel.close();
      return true;
    } catch {
      return false;
    }
  }
});
