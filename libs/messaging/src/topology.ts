import { TOPOLOGY } from '@acme/contracts';
import type { Channel } from 'amqplib';

export type QueueType = 'quorum' | 'classic';

export interface TopologyOptions {
  /** How long a message may wait in the work queue before it is dead-lettered (not dropped). */
  messageTtlMs: number;
  /** How long a message waits in the retry queue before it goes back to the work queue. */
  retryDelayMs: number;
  /** `quorum` (the default) dead-letters at-least-once; `classic` at-most-once, kept for comparison. */
  queueType?: QueueType;
  /** Quorum queues: how many times one message may be delivered before the broker dead-letters it. */
  deliveryLimit?: number;
}

/** The topology settings of an app's validated configuration (the same variables in every app). */
export function topologyOptions(config: {
  QUEUE_MESSAGE_TTL_MS: number;
  RETRY_DELAY_MS: number;
  QUEUE_TYPE: QueueType;
  QUEUE_DELIVERY_LIMIT: number;
}): Required<TopologyOptions> {
  return {
    messageTtlMs: config.QUEUE_MESSAGE_TTL_MS,
    retryDelayMs: config.RETRY_DELAY_MS,
    queueType: config.QUEUE_TYPE,
    deliveryLimit: config.QUEUE_DELIVERY_LIMIT,
  };
}

/** The queues exist with other arguments than this app's settings (another TTL, another queue type). */
export class TopologyMismatchError extends Error {
  constructor(brokerMessage: string) {
    const detail = /inequivalent arg [^"]*/.exec(brokerMessage)?.[0]?.trimEnd() ?? brokerMessage;
    super(
      `the RabbitMQ queues were declared with other settings (${detail}). ` +
        'Either set QUEUE_TYPE, QUEUE_MESSAGE_TTL_MS and RETRY_DELAY_MS as they were, or declare the queues anew ' +
        'with these settings: npm run lab -- reset --topology (deletes the queues and the messages in them).',
    );
    this.name = 'TopologyMismatchError';
  }
}

/**
 * The arguments that make a queue safe to dead-letter from. Dead-lettering is a publish the broker
 * makes to itself, and from a classic queue nobody confirms it: a broker failure during the hop
 * drops the message (RabbitMQ's "at-most-once" dead-lettering). A quorum queue with the
 * `at-least-once` strategy keeps the message until the target queue has confirmed it; that strategy
 * needs `reject-publish` overflow. The delivery limit is the last line against a message that kills
 * its consumer every time (redelivered forever otherwise): past it, the broker dead-letters it.
 */
function queueArguments(options: TopologyOptions, deadLetterTo?: { exchange: string; routingKey: string }): Record<string, unknown> {
  const deadLetter = deadLetterTo
    ? { 'x-dead-letter-exchange': deadLetterTo.exchange, 'x-dead-letter-routing-key': deadLetterTo.routingKey }
    : {};
  if (options.queueType === 'classic') return deadLetter; // as declared before quorum was the default
  return {
    'x-queue-type': 'quorum',
    ...deadLetter,
    ...(deadLetterTo ? { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } : {}),
    'x-delivery-limit': options.deliveryLimit ?? 20,
  };
}

/**
 * Declares the exchanges, queues and bindings. Idempotent: every app that needs them declares them
 * at start (and after each reconnect). Arguments must not change between declarations: RabbitMQ
 * refuses a queue declared again with another TTL or type (PRECONDITION_FAILED), which is reported
 * as a TopologyMismatchError that says how to fix it.
 */
export async function declareTopology(channel: Channel, options: TopologyOptions): Promise<void> {
  const withType = { queueType: 'quorum' as const, ...options };
  try {
    await channel.assertExchange(TOPOLOGY.exchange, 'topic', { durable: true });
    await channel.assertExchange(TOPOLOGY.deadLetterExchange, 'direct', { durable: true });

    await channel.assertQueue(TOPOLOGY.deadLetterQueue, { durable: true, arguments: queueArguments(withType) });
    await channel.bindQueue(TOPOLOGY.deadLetterQueue, TOPOLOGY.deadLetterExchange, TOPOLOGY.deadLetterQueue);

    await channel.assertQueue(TOPOLOGY.workQueue, {
      durable: true,
      arguments: {
        'x-message-ttl': options.messageTtlMs,
        ...queueArguments(withType, { exchange: TOPOLOGY.deadLetterExchange, routingKey: TOPOLOGY.deadLetterQueue }),
      },
    });
    await channel.bindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding);

    // Delayed retry without a plugin: messages wait out the TTL here, then the default exchange
    // ('') dead-letters them straight back to the work queue.
    await channel.assertQueue(TOPOLOGY.retryQueue, {
      durable: true,
      arguments: {
        'x-message-ttl': options.retryDelayMs,
        ...queueArguments(withType, { exchange: '', routingKey: TOPOLOGY.workQueue }),
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    if (/PRECONDITION_FAILED - inequivalent arg/.test(message)) throw new TopologyMismatchError(message);
    throw error;
  }
}
