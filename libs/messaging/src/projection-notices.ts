import { TOPOLOGY } from '@acme/contracts';
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel } from 'amqplib';
import type { StateLogger } from './amqp-connection';

/**
 * Projection notices: "proposal P's view has reached version V", fanned out by the subscriber that
 * applied the event to every query-api. A read waiting for that version (`?minVersion`) wakes at once
 * instead of polling MongoDB.
 *
 * A notice is a hint, not a message to keep: transient, unconfirmed, dropped while RabbitMQ is away,
 * on a channel of its own (a failed publish never touches the consumer's channel), into a queue per
 * listener that goes away with it. A lost notice costs a waiter one fallback poll, nothing more.
 */
export interface ProjectionNotice {
  proposalId: number;
  version: number;
}

/** Who wakes on notices (VersionSignals in @acme/read-model): the proposal announced, and whether notices flow. */
export interface NoticeSink {
  signal(proposalId: number): void;
  live: boolean;
}

/** A notice channel's handle: what its owner needs at shutdown (and tests, to wait for it). */
export interface NoticeChannel {
  waitForConnect(): Promise<void>;
  close(): Promise<void>;
}

/** At most this many notices wait for a slow listener; older ones are dropped (they are only hints). */
const LISTENER_QUEUE_MAX = 10_000;

async function declareNoticeExchange(channel: Channel): Promise<void> {
  await channel.assertExchange(TOPOLOGY.projectedExchange, 'fanout', { durable: true });
}

/** Parses a notice; anything else (another app's message, garbage) is `null` and ignored. */
function parseProjectionNotice(content: Buffer): ProjectionNotice | null {
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

/** How long a notice channel closed by the broker alone waits before it is opened again. */
const REOPEN_DELAY_MS = 5_000;

/**
 * A channel of its own for notices, set up by `setup` on every (re)connect — and also reopened when the
 * broker closes just this channel (a missing exchange, a cancelled consumer), which amqp-connection-manager
 * would only do after the next reconnect. A channel error is handled here: unhandled, amqplib would turn
 * it into a connection error and take the app's other channels (the consumer's) down with it.
 */
function noticeChannel(
  amqp: AmqpConnectionManager,
  name: string,
  setup: (channel: Channel) => Promise<void>,
  onError: (error: Error) => void,
): NoticeChannel {
  let closing = false;
  let wrapper: ChannelWrapper;
  const open = () => {
    let replaced = false;
    const current = amqp.createChannel({
      name,
      confirm: false,
      setup: async (channel: Channel) => {
        channel.on('error', onError);
        channel.once('close', () => {
          if (closing || replaced) return;
          // Closed alone or with the connection: either way a fresh wrapper sets up at the next chance.
          replaced = true;
          setTimeout(() => {
            void current.close().catch(() => undefined);
            if (!closing) open();
          }, REOPEN_DELAY_MS).unref();
        });
        await setup(channel);
      },
    });
    current.on('error', onError); // a failed setup: the broker closes the channel, and it opens again
    wrapper = current;
  };
  open();
  return {
    waitForConnect: () => wrapper.waitForConnect(),
    close: async () => {
      closing = true;
      await wrapper.close();
    },
  };
}

export class ProjectionNoticePublisher {
  private channel: Channel | null = null;
  private readonly notices: NoticeChannel;

  constructor(amqp: AmqpConnectionManager, logger: StateLogger) {
    this.notices = noticeChannel(
      amqp,
      'projection-notices',
      async (channel) => {
        await declareNoticeExchange(channel);
        channel.once('close', () => (this.channel = null));
        this.channel = channel;
      },
      (error) => logger.warn(`projection notices not sent (${error.message}); waiting reads fall back to polling`),
    );
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
    return this.notices.waitForConnect();
  }

  close(): Promise<void> {
    return this.notices.close();
  }
}

/**
 * Consumes every projection notice (a private queue bound to the fanout exchange, declared again after
 * each reconnect) and signals `sink` for the proposal announced. `sink.live` is true while notices flow,
 * false when the channel or its consumer goes: waiting reads then fall back to polling until it is back.
 */
export function listenForProjectionNotices(amqp: AmqpConnectionManager, sink: NoticeSink, logger: StateLogger): NoticeChannel {
  return noticeChannel(
    amqp,
    'projection-notice-listener',
    async (channel) => {
      await declareNoticeExchange(channel);
      const { queue } = await channel.assertQueue('', {
        exclusive: true,
        autoDelete: true,
        arguments: { 'x-max-length': LISTENER_QUEUE_MAX },
      });
      await channel.bindQueue(queue, TOPOLOGY.projectedExchange, '');
      channel.once('close', () => (sink.live = false));
      await channel.consume(
        queue,
        (message) => {
          if (message === null) {
            // The broker cancelled us (our queue was deleted): close, so that the channel opens anew.
            sink.live = false;
            void channel.close().catch(() => undefined);
            return;
          }
          const notice = parseProjectionNotice(message.content);
          if (notice) sink.signal(notice.proposalId);
        },
        { noAck: true },
      );
      sink.live = true;
    },
    (error) => logger.warn(`projection notices unavailable (${error.message}); waiting reads poll instead`),
  );
}
