import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect, type ChannelModel } from 'amqplib';
import { testEnv, uniqueName, waitFor } from './env';

const run = promisify(execFile);

const rabbitmqctl = (...args: string[]) => run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });

export interface TestVhost {
  url: string;
  name: string;
  connect(): Promise<ChannelModel>;
  delete(): Promise<void>;
}

/** A vhost of its own for this test file: exchanges and queues keep their contract names inside it. */
export async function createTestVhost(): Promise<TestVhost> {
  const base = new URL(testEnv().amqpUrl);
  const name = uniqueName('acme_t');
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, decodeURIComponent(base.username || 'guest'), '.*', '.*', '.*');
  base.pathname = `/${encodeURIComponent(name)}`;
  const url = base.toString();
  return {
    url,
    name,
    connect: () => connect(url),
    delete: async () => {
      await rabbitmqctl('delete_vhost', name).catch(() => undefined);
    },
  };
}

export async function rabbitAnswers(): Promise<boolean> {
  try {
    const c = await connect(testEnv().amqpUrl);
    await c.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Fault injection: stops the broker app (the Erlang node stays up), as the lab does.
 * Always pair with `startRabbitApp()` in a finally/afterAll: tests leave shared services as they found them.
 */
export async function stopRabbitApp(): Promise<void> {
  await rabbitmqctl('stop_app');
}

export async function startRabbitApp(): Promise<void> {
  await rabbitmqctl('start_app');
  await waitFor(() => rabbitAnswers(), 'RabbitMQ to accept connections', 60_000, 250);
}

/**
 * Fault injection: a full restart of the RabbitMQ server — the Erlang node stops (every connection
 * closed, every queue recovered from disk at start), then starts again the way the machine starts it
 * (`rabbitmq-server -detached`). Resolves once the broker accepts connections again.
 */
export async function restartRabbitServer(): Promise<void> {
  await rabbitmqctl('stop');
  try {
    await waitFor(async () => !(await rabbitAnswers()), 'the RabbitMQ node to stop', 60_000, 250);
  } finally {
    await ensureRabbitServer();
  }
}

/** Starts the RabbitMQ server if it is not running (tests leave shared services as they found them). */
export async function ensureRabbitServer(): Promise<void> {
  if (await rabbitAnswers()) return;
  await run('rabbitmq-server', ['-detached'], { timeout: 60_000 }).catch(() => undefined); // "already running" is fine
  await waitFor(() => rabbitAnswers(), 'RabbitMQ to accept connections after a restart', 120_000, 500);
}

export async function queueDepth(vhost: TestVhost, queue: string): Promise<number> {
  const connection = await vhost.connect();
  try {
    const channel = await connection.createChannel();
    const { messageCount } = await channel.checkQueue(queue);
    return messageCount;
  } finally {
    await connection.close();
  }
}

/**
 * Fault injection for one test's vhost only: its connections are closed and new ones refused, as if
 * the broker were down, while the shared broker keeps serving everyone else. Pair with `reopenVhost`.
 */
export async function closeVhost(vhost: TestVhost, reason = 'test: RabbitMQ outage'): Promise<void> {
  const user = decodeURIComponent(new URL(vhost.url).username || 'guest');
  await rabbitmqctl('clear_permissions', '-p', vhost.name, user);
  await rabbitmqctl('close_all_connections', '-p', vhost.name, '--limit', '1000', reason);
}

export async function reopenVhost(vhost: TestVhost): Promise<void> {
  const user = decodeURIComponent(new URL(vhost.url).username || 'guest');
  await rabbitmqctl('set_permissions', '-p', vhost.name, user, '.*', '.*', '.*');
}
