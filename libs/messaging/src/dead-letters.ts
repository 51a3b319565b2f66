/** Operator tools for the dead-letter queue, shared by the lab console CLI and web page. */
import { HEADERS, TOPOLOGY } from '@acme/contracts';
import type { ChannelModel, GetMessage } from 'amqplib';

export interface DeadLetter {
  messageId: string;
  type: string;
  reason: string;
  at: string;
  routingKey: string;
  body: string;
}

/**
 * When the broker dead-lettered it, as ISO 8601. x-death's `time` is an AMQP timestamp (seconds),
 * which amqplib decodes as `{ '!': 'timestamp', value }`.
 */
function deathTime(time: unknown): string {
  const seconds = typeof time === 'object' && time !== null && 'value' in time ? time.value : time;
  const date = typeof seconds === 'number' ? new Date(seconds * 1000) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : '';
}

const describe = (m: GetMessage): DeadLetter => {
  const h = m.properties.headers ?? {};
  const death = (h['x-death'] as { reason?: string; queue?: string; time?: unknown }[] | undefined)?.[0];
  return {
    messageId: String(m.properties.messageId ?? '(none)'),
    type: String(m.properties.type ?? '(none)'),
    reason: String(h[HEADERS.deadLetterReason] ?? (death ? `${death.reason ?? '?'} in ${death.queue ?? '?'}` : '(none)')),
    // The subscriber stamps what it dead-letters; the broker's own (TTL expiry, delivery limit) carry x-death.
    at: String(h[HEADERS.deadLetteredAt] ?? deathTime(death?.time)),
    routingKey: String(h[HEADERS.originalRoutingKey] ?? m.fields.routingKey),
    body: m.content.toString('utf8', 0, 2_000),
  };
};

/**
 * Reads up to `limit` dead letters without consuming them: they are fetched unacked and handed back
 * when the channel closes (RabbitMQ requeues unacked messages).
 */
export async function listDeadLetters(connection: ChannelModel, limit = 50): Promise<DeadLetter[]> {
  const channel = await connection.createChannel();
  const out: DeadLetter[] = [];
  try {
    for (let i = 0; i < limit; i++) {
      const message = await channel.get(TOPOLOGY.deadLetterQueue, { noAck: false });
      if (!message) break;
      out.push(describe(message));
    }
  } finally {
    await channel.close().catch(() => undefined);
  }
  return out;
}

/**
 * Moves dead letters back to the work queue for another try (all, or the one with `messageId`),
 * with a fresh attempt count. Each copy is confirmed by the broker before its dead letter is acked.
 */
export async function redriveDeadLetters(connection: ChannelModel, which: { all: true } | { messageId: string }): Promise<number> {
  const channel = await connection.createConfirmChannel();
  let moved = 0;
  try {
    // Only what is there now: a message that fails again comes back to the DLQ and must not be
    // picked up by this same run (poison would otherwise circle forever).
    const { messageCount } = await channel.checkQueue(TOPOLOGY.deadLetterQueue);
    for (let i = 0; i < messageCount; i++) {
      const message = await channel.get(TOPOLOGY.deadLetterQueue, { noAck: false });
      if (!message) break;
      if ('messageId' in which && message.properties.messageId !== which.messageId) continue; // left unacked: requeued on close
      const { [HEADERS.deadLetterReason]: _reason, [HEADERS.attempts]: _attempts, 'x-death': _death, ...headers } =
        message.properties.headers ?? {};
      await new Promise<void>((resolve, reject) =>
        channel.sendToQueue(
          TOPOLOGY.workQueue,
          message.content,
          {
            persistent: true,
            messageId: message.properties.messageId as string | undefined,
            type: message.properties.type as string | undefined,
            contentType: message.properties.contentType as string | undefined,
            timestamp: message.properties.timestamp as number | undefined,
            appId: message.properties.appId as string | undefined,
            headers: { ...headers, [HEADERS.redrivenAt]: new Date().toISOString() },
          },
          (err: unknown) => (err ? reject(new Error('redrive publish not confirmed')) : resolve()),
        ),
      );
      channel.ack(message);
      moved++;
      if ('messageId' in which) break;
    }
  } finally {
    await channel.close().catch(() => undefined);
  }
  return moved;
}

/**
 * Discards dead letters for good (all, or the one with `messageId`): the clean-up after a poison lab,
 * which must not touch the outbox or the views. Returns how many were discarded.
 */
export async function discardDeadLetters(connection: ChannelModel, which: { all: true } | { messageId: string }): Promise<number> {
  const channel = await connection.createChannel();
  try {
    if ('all' in which) return (await channel.purgeQueue(TOPOLOGY.deadLetterQueue)).messageCount;
    const { messageCount } = await channel.checkQueue(TOPOLOGY.deadLetterQueue);
    for (let i = 0; i < messageCount; i++) {
      const message = await channel.get(TOPOLOGY.deadLetterQueue, { noAck: false });
      if (!message) break;
      if (message.properties.messageId !== which.messageId) continue; // left unacked: requeued on close
      channel.ack(message);
      return 1;
    }
    return 0;
  } finally {
    await channel.close().catch(() => undefined);
  }
}
