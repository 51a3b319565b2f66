import { TOPOLOGY } from '@acme/contracts';
import type { Channel } from 'amqplib';

export interface TopologyOptions {
  /** How long a message may wait in the work queue before it is dead-lettered (not dropped). */
  messageTtlMs: number;
  /** How long a message waits in the retry queue before it goes back to the work queue. */
  retryDelayMs: number;
}

/**
 * Declares the exchanges, queues and bindings. Idempotent: every app that needs them declares them
 * at start (and after each reconnect). Arguments must not change between declarations — RabbitMQ
 * refuses (PRECONDITION_FAILED) a queue redeclared with a different TTL; see the README.
 */
export async function declareTopology(channel: Channel, options: TopologyOptions): Promise<void> {
  await channel.assertExchange(TOPOLOGY.exchange, 'topic', { durable: true });
  await channel.assertExchange(TOPOLOGY.deadLetterExchange, 'direct', { durable: true });

  await channel.assertQueue(TOPOLOGY.deadLetterQueue, { durable: true });
  await channel.bindQueue(TOPOLOGY.deadLetterQueue, TOPOLOGY.deadLetterExchange, TOPOLOGY.deadLetterQueue);

  await channel.assertQueue(TOPOLOGY.workQueue, {
    durable: true,
    arguments: {
      'x-message-ttl': options.messageTtlMs,
      'x-dead-letter-exchange': TOPOLOGY.deadLetterExchange,
      'x-dead-letter-routing-key': TOPOLOGY.deadLetterQueue,
    },
  });
  await channel.bindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding);

  // Delayed retry without a plugin: messages wait out the TTL here, then the default exchange
  // ('') dead-letters them straight back to the work queue.
  await channel.assertQueue(TOPOLOGY.retryQueue, {
    durable: true,
    arguments: {
      'x-message-ttl': options.retryDelayMs,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': TOPOLOGY.workQueue,
    },
  });
}
