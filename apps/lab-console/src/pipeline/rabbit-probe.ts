import { TOPOLOGY, withTimeout } from '@acme/contracts';
import { listDeadLetters, publishPoison, redriveDeadLetters, type DeadLetter, type PoisonKind } from '@acme/messaging';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { connect, type ChannelModel } from 'amqplib';
import type { LabConsoleConfig } from '../lab-console.config';
import { LAB_CONSOLE_CONFIG } from '../tokens';
import { PROBE_TIMEOUT_MS } from './app-probes';
import type { QueueDepths } from './snapshot';

/**
 * The lab console's view of RabbitMQ: queue depths (checkQueue never creates a queue, so the page
 * cannot change the topology the apps declare), the DLQ, and the two broker-side lab actions.
 * One connection, opened on demand and dropped when the broker closes it; the next use reconnects.
 */
@Injectable()
export class RabbitProbe implements OnModuleDestroy {
  private readonly logger = new Logger('RabbitProbe');
  private connection: Promise<ChannelModel> | undefined;
  private reachable = true;
  /** DLQ reads and writes take turns: a listing holds the dead letters unacked while it reads them. */
  private dlqTurn: Promise<unknown> = Promise.resolve();

  constructor(@Inject(LAB_CONSOLE_CONFIG) private readonly config: LabConsoleConfig) {}

  private connect(): Promise<ChannelModel> {
    // A short heartbeat notices a broker that vanished without closing the connection.
    const url = new URL(this.config.AMQP_URL);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', '5');
    this.connection ??= connect(url.toString(), { timeout: PROBE_TIMEOUT_MS, clientProperties: { connection_name: 'lab-console' } }).then(
      (connection) => {
        const forget = () => {
          this.connection = undefined;
        };
        connection.on('error', forget); // without a listener an 'error' event would crash the process
        connection.on('close', forget);
        this.setReachable(true);
        return connection;
      },
      (error: unknown) => {
        this.connection = undefined;
        this.setReachable(false, error);
        throw error;
      },
    );
    return this.connection;
  }

  private setReachable(reachable: boolean, error?: unknown): void {
    if (reachable !== this.reachable) {
      if (reachable) this.logger.log('RabbitMQ reachable again');
      else this.logger.warn(`RabbitMQ unreachable (${error instanceof Error ? error.message : String(error)})`);
    }
    this.reachable = reachable;
  }

  /** Message and consumer counts of a queue; null if the queue does not exist (yet). */
  private async checkQueue(connection: ChannelModel, queue: string): Promise<{ messageCount: number; consumerCount: number } | null> {
    // A channel each: checkQueue on a missing queue closes its channel with a 404.
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return await channel.checkQueue(queue);
    } catch {
      return null;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Depths of the three queues, or undefined when RabbitMQ does not answer. */
  async depths(): Promise<QueueDepths | undefined> {
    try {
      return await withTimeout(
        (async () => {
          const connection = await this.connect();
          const [work, retry, dlq] = await Promise.all(
            [TOPOLOGY.workQueue, TOPOLOGY.retryQueue, TOPOLOGY.deadLetterQueue].map((q) => this.checkQueue(connection, q)),
          );
          return {
            work: work?.messageCount ?? null,
            retry: retry?.messageCount ?? null,
            dlq: dlq?.messageCount ?? null,
            consumers: work?.consumerCount ?? null,
          };
        })(),
        PROBE_TIMEOUT_MS,
        'reading the queue depths',
      );
    } catch (error) {
      this.setReachable(false, error);
      this.drop(); // a connection that hangs is not reused: the next sample connects afresh
      return undefined;
    }
  }

  private drop(): void {
    const connection = this.connection;
    this.connection = undefined;
    void connection?.then((c) => c.close()).catch(() => undefined);
  }

  /** Up to `limit` dead letters with their reasons, left in the DLQ. */
  deadLetters(limit = 20): Promise<DeadLetter[]> {
    return this.inTurn(async () => withTimeout(listDeadLetters(await this.connect(), limit), PROBE_TIMEOUT_MS * 2, 'reading the DLQ'));
  }

  poison(kind: PoisonKind): Promise<string> {
    return this.inTurn(async () => withTimeout(publishPoison(await this.connect(), kind), 5_000, 'publishing poison'));
  }

  redriveAll(): Promise<number> {
    return this.inTurn(async () => withTimeout(redriveDeadLetters(await this.connect(), { all: true }), 30_000, 'redriving the DLQ'));
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.dlqTurn.then(work, work);
    this.dlqTurn = result.catch(() => undefined);
    return result;
  }

  async onModuleDestroy(): Promise<void> {
    const connection = await this.connection?.catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }
}
