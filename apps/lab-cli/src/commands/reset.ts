import { TOPOLOGY } from '@acme/contracts';
import { COLLECTIONS } from '@acme/read-model';
import { attempt, type LabContext } from '../lab-context';

/**
 * The course's clean-up: empty the outbox (and, with `proposals`, the proposals themselves), drop the
 * read side's collections and purge the queues. Customers (and the seed) stay.
 */
export async function reset(lab: LabContext, options: { proposals: boolean; topology: boolean }): Promise<string[]> {
  const done: string[] = [];
  if (options.proposals) {
    await lab.pg.query('TRUNCATE proposalevents, proposal_pax, proposals, idempotency_keys');
    done.push('emptied proposalevents, proposals, proposal_pax, idempotency_keys');
  } else {
    await lab.pg.query('TRUNCATE proposalevents');
    done.push('emptied proposalevents');
  }
  for (const name of Object.values(COLLECTIONS)) {
    const dropped = await attempt(() => lab.mongo.collection(name).drop());
    if (dropped) done.push(`dropped ${name}`);
  }
  const connection = await lab.amqp();
  for (const queue of [TOPOLOGY.workQueue, TOPOLOGY.retryQueue, TOPOLOGY.deadLetterQueue]) {
    // A channel per operation: RabbitMQ closes a channel on any error (e.g. a queue that is not there).
    const channel = await connection.createChannel();
    if (options.topology) {
      const deleted = await attempt(() => channel.deleteQueue(queue));
      if (deleted) done.push(`deleted ${queue} (${deleted.messageCount} messages)`);
    } else {
      const purged = await attempt(() => channel.purgeQueue(queue));
      if (purged) done.push(`purged ${queue} (${purged.messageCount} messages)`);
    }
    await channel.close().catch(() => undefined);
  }
  if (options.topology) done.push('restart the processor and subscriber (npm run down && npm run up) to declare the queues again');
  return done;
}
