import { TOPOLOGY } from '@acme/contracts';
import { declareTopology, topologyOptions } from '@acme/messaging';
import { COLLECTIONS, ensureIndexes } from '@acme/read-model';
import { attempt, type LabContext } from '../lab-context';
import { reconnectApps } from '../runtime';

/**
 * The course's clean-up: purge the queues (first, so nothing in flight re-creates what is dropped),
 * empty the outbox (and with `proposals` the proposals themselves), drop the read side's collections.
 * Customers (and the seed) stay. With `topology` the queues are deleted and declared again at once
 * with the configured settings (meanwhile the relay's events come back as unroutable and wait in the
 * outbox), and the running apps are made to reconnect so that they consume the new queues.
 */
export async function reset(lab: LabContext, options: { proposals: boolean; topology: boolean }): Promise<string[]> {
  const done: string[] = [];
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
  if (options.topology) {
    const channel = await connection.createChannel();
    await declareTopology(channel, topologyOptions(lab.config));
    await channel.close().catch(() => undefined);
    done.push(
      `declared the queues again (${lab.config.QUEUE_TYPE} queues, message TTL ${lab.config.QUEUE_MESSAGE_TTL_MS} ms, retry delay ${lab.config.RETRY_DELAY_MS} ms); ` +
        'restart the apps if their settings differ (npm run down && npm run up)',
    );
    await lab.closeAmqp();
    try {
      done.push(`made the running apps reconnect and subscribe to the new queues (${reconnectApps(lab.config, 'lab reset --topology')})`);
    } catch (error) {
      // A broker elsewhere: rabbitmqctl on this machine cannot reach it. Said plainly, not fatal.
      done.push(
        `note: could not make the running apps reconnect (${(error as Error).message.split('\n')[0]}); ` +
          'restart the event processor and the subscriber (npm run down && npm run up) so that they consume the new queues',
      );
    }
  }

  if (options.proposals) {
    await lab.pg.query('TRUNCATE proposalevents, proposal_pax, proposals, idempotency_keys');
    done.push('emptied proposalevents, proposals, proposal_pax, idempotency_keys');
  } else {
    await lab.pg.query('TRUNCATE proposalevents');
    done.push('emptied proposalevents');
    const { rows } = await lab.pg.query<{ n: string }>('SELECT count(*) AS n FROM proposals');
    if (Number(rows[0]?.n) > 0) {
      done.push(
        `note: the ${rows[0]?.n} proposal(s) on the write side stay, but their views are gone; their next change would ` +
          'wait for events that no longer exist (and end in the DLQ). Use --proposals for a clean slate.',
      );
    }
  }
  for (const name of Object.values(COLLECTIONS)) {
    const dropped = await attempt(() => lab.mongo.collection(name).drop());
    if (dropped) done.push(`dropped ${name}`);
  }
  await ensureIndexes(lab.mongo); // the subscriber creates them only at start
  return done;
}
