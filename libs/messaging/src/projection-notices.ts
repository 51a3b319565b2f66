import { TOPOLOGY } from '@acme/contracts';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel } from 'amqplib';
import type { StateLogger } from './amqp-connection';

/**
 * Projection notices: "proposal P's view has reached version V", fanned out by the subscriber that
 * applied the event to every query-api and subscriber. A read waiting for that version (`?minVersion`,
 * an early event's predecessor) wakes at once instead of polling MongoDB.
 *
 * A notice is a hint, not a message to keep: transient, unconfirmed, dropped while RabbitMQ is away,
 * on a channel of its own (a failed publish never touches the consumer's channel), into a queue per
 * listener that goes away with it. A lost notice costs a waiter one fallback poll, nothing more.
 */
export interface ProjectionNotice {
  proposalId: number;
  version: number;
}

/** At most this many notices wait for a slow listener; older ones are dropped (they are only hints). */
const LISTENER_QUEUE_MAX = 10_000;

async function declareNoticeExchange(channel: Channel): Promise<void> {
  await channel.assertExchange(TOPOLOGY.projectedExchange, 'fanout', { durable: true });
}

/** Parses a notice; anything else (another app's message, garbage) is `null` and ignored. */
export function parseProjectionNotice(content: Buffer): ProjectionNotice | null {
  try {
    const value: unknown = JSON.parse(content.toString('utf8'));
    if (typeof value !== 'object' || value === null) return null;
    const { proposalId, version } = value as Record<string, unknown>;
    const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n);
    return whole(proposalId) && whole(version) ? { proposalId, version } : null;
  } catch {
    return null;
  }
}

export class ProjectionNoticePublisher {
  private channel: Channel | null = null;
  private readonly wrapper: ChannelWrapper;

  constructor(amqp: AmqpConnectionManager) {
    this.wrapper = amqp.createChannel({
      name: 'projection-notices',
      confirm: false,
      setup: async (channel: Channel) => {
        await declareNoticeExchange(channel);
        channel.once('close', () => (this.channel = null));
        this.channel = channel;
      },
    });
    this.wrapper.on('error', () => undefined); // a failed setup is retried on the next reconnect
  }

  /** Fire and forget; while there is no channel the notice is dropped, not queued. */
  publish(notice: ProjectionNotice): void {
    try {
      this.channel?.publish(TOPOLOGY.projectedExchange, '', Buffer.from(JSON.stringify(notice)), {
        persistent: false,
        contentType: 'application/json',
      });
    } catch {
      // The channel closed under us: a hint lost.
    }
  }

  /** Resolves once the channel is up (notices published before that are dropped). */
  waitForConnect(): Promise<void> {
    return this.wrapper.waitForConnect();
  }

  close(): Promise<void> {
    return this.wrapper.close();
  }
}

/**
 * Consumes every projection notice (a private queue bound to the fanout exchange, declared again after
 * each reconnect). `onLive(true)` once notices flow, `onLive(false)` when the channel goes: the waiter
 * then falls back to polling.
 */
export function listenForProjectionNotices(
  amqp: AmqpConnectionManager,
  onNotice: (notice: ProjectionNotice) => void,
  onLive: (live: boolean) => void,
  logger: StateLogger,
): ChannelWrapper {
  const wrapper = amqp.createChannel({
    name: 'projection-notice-listener',
    confirm: false,
    setup: async (channel: Channel) => {
      await declareNoticeExchange(channel);
      const { queue } = await channel.assertQueue('', {
        exclusive: true,
        autoDelete: true,
        arguments: { 'x-max-length': LISTENER_QUEUE_MAX },
      });
      await channel.bindQueue(queue, TOPOLOGY.projectedExchange, '');
      channel.once('close', () => onLive(false));
      await channel.consume(
        queue,
        (message) => {
          const notice = message && parseProjectionNotice(message.content);
          if (notice) onNotice(notice);
        },
        { noAck: true },
      );
      onLive(true);
    },
  });
  wrapper.on('error', (error: Error) => logger.warn(`projection notices unavailable (${error.message}); reads poll instead`));
  return wrapper;
}
