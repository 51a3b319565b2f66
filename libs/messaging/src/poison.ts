import { TOPOLOGY } from '@acme/contracts';
import { randomUUID } from 'node:crypto';
import type { ChannelModel } from 'amqplib';

export const POISON_KINDS = {
  'not-json': () => Buffer.from('this is not JSON {'),
  schema: () => Buffer.from(JSON.stringify({ hello: 'world', proposalId: 'forty-two' })),
  'unknown-type': () =>
    Buffer.from(JSON.stringify({ schemaVersion: 1, eventId: randomUUID(), type: 'proposal.exploded', action: 'exploded' })),
} as const;

export type PoisonKind = keyof typeof POISON_KINDS;

/** Publishes a malformed message to the real exchange: the subscriber must dead-letter it and carry on. */
export async function publishPoison(connection: ChannelModel, kind: PoisonKind): Promise<string> {
  const channel = await connection.createConfirmChannel();
  const messageId = `poison-${randomUUID()}`;
  await new Promise<void>((resolve, reject) =>
    channel.publish(TOPOLOGY.exchange, 'proposal.created', POISON_KINDS[kind](), { persistent: true, messageId, appId: 'acme.lab' }, (err: unknown) =>
      err ? reject(new Error('publish not confirmed')) : resolve(),
    ),
  );
  await channel.close();
  return messageId;
}
