import { connect, type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import type { StateLogger } from './amqp-connection';
import type { OutgoingMessage } from './proposal-message';

/**
 * What became of one message. Only `confirmed` means a queue has it.
 * - `unroutable`: the broker confirmed it, but returned it first: no queue is bound for its routing key.
 * - `rejected`: this message's own fault: the broker nacked it, or it could not be encoded.
 * - `unconfirmed`: no answer for it (the channel or connection failed, or the confirm timed out):
 *   publish it again. `brokerClosedChannel`: the broker closed the channel with an error while the
 *   connection stayed up — possibly because of one message of the batch (too large, say).
 */
export type PublishOutcome =
  | { status: 'confirmed' }
  | { status: 'unroutable'; reason: string }
  | { status: 'rejected'; reason: string }
  | { status: 'unconfirmed'; reason: string; brokerClosedChannel: boolean };

export interface ConfirmPublisherOptions {
  /** Declares what the messages need (exchanges, queues) on every new channel. */
  setup: (channel: ConfirmChannel) => Promise<void>;
  /** How long a batch may wait for its confirms before the channel is given up. */
  confirmTimeoutMs: number;
  /** AMQP heartbeat: a silent connection is detected after about two of these. */
  heartbeatSeconds?: number;
}

/** An open connection with its confirm channel; dropped as a whole on the first sign of trouble. */
interface Link {
  connection: ChannelModel;
  channel: ConfirmChannel;
  /** Messages the broker returned in the current batch (mandatory publishing), by message id. */
  returned: Map<string, string>;
  /** Why the link is unusable, once it is. */
  broken?: string;
  /** The broker closed the channel with an error (the connection itself was fine). */
  brokerClosedChannel?: boolean;
}

/**
 * A publisher for batches that must know, per message, whether a queue took it.
 *
 * Every message is published `mandatory`: a message no queue is bound for comes back (basic.return)
 * before its confirm, so a confirm alone never passes for delivery. The publisher fails fast: it
 * keeps one connection and confirm channel, and throws both away on any error, timeout or a publish
 * that throws, so the next batch starts on a fresh channel. The caller's loop is the retry.
 */
export class ConfirmPublisher {
  private current: Link | undefined;
  private opening: Promise<Link> | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly options: ConfirmPublisherOptions,
    private readonly logger: StateLogger,
  ) {}

  /** True while a link is open (not while it is being opened, nor after it broke). */
  get connected(): boolean {
    return this.current !== undefined && this.current.broken === undefined;
  }

  /** Publishes all messages at once and waits for every confirm (one round trip for the batch). */
  async publishAll(messages: readonly OutgoingMessage[]): Promise<PublishOutcome[]> {
    const link = await this.open();
    link.returned.clear();
    let threw = false;
    const pending = messages.map((message) => {
      const id = String(message.options.messageId ?? '');
      return new Promise<PublishOutcome>((resolve) => {
        try {
          link.channel.publish(message.exchange, message.routingKey, message.content, { ...message.options, mandatory: true }, (error: unknown) => {
            const returned = link.returned.get(id);
            if (!error) resolve(returned ? { status: 'unroutable', reason: returned } : { status: 'confirmed' });
            else if ((error as Error).message === 'message nacked') resolve({ status: 'rejected', reason: 'nacked by the broker' });
            else resolve({ status: 'unconfirmed', reason: link.broken ?? (error as Error).message, brokerClosedChannel: link.brokerClosedChannel === true });
          });
        } catch (error) {
          // amqplib refused to encode it (a wrong property type, headers over 64 KiB). The channel's
          // confirm count may no longer match the broker's: this channel is not used again.
          threw = true;
          resolve({ status: 'rejected', reason: `cannot be published: ${(error as Error).message}` });
        }
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.confirmTimeoutMs);
    });
    const settled = await Promise.race([Promise.all(pending), timedOut]).finally(() => clearTimeout(timer));
    if (settled === 'timeout') {
      const reason = `no publisher confirm within ${this.options.confirmTimeoutMs} ms`;
      this.drop(link, reason);
      // What settled in time keeps its outcome; the rest is unconfirmed.
      const late: PublishOutcome = { status: 'unconfirmed', reason, brokerClosedChannel: false };
      return Promise.all(pending.map((outcome) => Promise.race([outcome, Promise.resolve(late)])));
    }
    if (threw) this.drop(link, 'a publish threw');
    return settled;
  }

  async close(): Promise<void> {
    this.closed = true;
    const link = this.current ?? (await this.opening?.catch(() => undefined));
    this.current = undefined;
    await link?.connection.close().catch(() => undefined);
  }

  /** Opens the connection and channel if there is none; throws when RabbitMQ cannot be reached. */
  async ready(): Promise<void> {
    await this.open();
  }

  private async open(): Promise<Link> {
    if (this.closed) throw new Error('publisher closed');
    if (this.current && !this.current.broken) return this.current;
    this.opening ??= this.connect().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async connect(): Promise<Link> {
    const url = new URL(this.url);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(this.options.heartbeatSeconds ?? 5));
    const connection = await connect(url.toString(), { clientProperties: { connection_name: this.name }, timeout: 5_000 }).catch(
      (error: Error) => {
        throw new Error(`RabbitMQ unreachable: ${error.message}`);
      },
    );
    const link: Link = { connection, channel: undefined as unknown as ConfirmChannel, returned: new Map() };
    // Unhandled, an 'error' event would end the process: here it only ends the link.
    connection.on('error', (error: Error) => this.drop(link, `RabbitMQ connection failed: ${error.message}`));
    connection.on('close', () => this.drop(link, 'RabbitMQ connection closed'));
    connection.on('blocked', (reason: string) => this.logger.warn(`RabbitMQ blocked publishing: ${reason}`));
    try {
      link.channel = await connection.createConfirmChannel();
      link.channel.on('error', (error: Error) => {
        link.brokerClosedChannel = true;
        this.drop(link, `RabbitMQ closed the channel: ${error.message}`);
      });
      link.channel.on('close', () => this.drop(link, 'RabbitMQ channel closed'));
      link.channel.on('return', (message: Message) => {
        const { exchange, routingKey } = message.fields;
        link.returned.set(
          String(message.properties.messageId ?? ''),
          `unroutable: no queue is bound to ${exchange} for ${routingKey} (returned by the broker)`,
        );
      });
      await this.options.setup(link.channel);
    } catch (error) {
      this.drop(link, (error as Error).message);
      throw error;
    }
    if (this.closed) {
      await connection.close().catch(() => undefined);
      throw new Error('publisher closed');
    }
    this.current = link;
    this.logger.log('RabbitMQ publisher channel open');
    return link;
  }

  /** Forgets the link (the next batch opens a new one) and closes what is left of it. */
  private drop(link: Link, reason: string): void {
    if (link.broken) return;
    link.broken = reason;
    if (this.current === link) {
      this.current = undefined;
      if (!this.closed) this.logger.warn(`RabbitMQ publisher channel dropped (${reason}); the next batch opens a new one`);
    }
    void link.connection.close().catch(() => undefined);
  }
}
