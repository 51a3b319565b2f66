import type { ParkedRow } from '@acme/write-persistence';
import type { LabContext } from '../lab-context';

/**
 * The outbox store, loaded when a command needs it: its lib brings TypeORM, which takes about 2 s to
 * load — every other lab command (status above all) would wait for it at each start.
 */
async function outboxStore(lab: LabContext) {
  const { OutboxRelayStore } = await import('@acme/write-persistence');
  return new OutboxRelayStore(lab.pg);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The duplicate lab: mark events unprocessed so the relay publishes them again. */
export async function replay(lab: LabContext, target: { eventId?: string | undefined; last?: number | undefined }): Promise<number[]> {
  const store = await outboxStore(lab);
  if (target.last !== undefined) return store.replay({ last: target.last });
  if (target.eventId && /^\d{1,15}$/.test(target.eventId)) return store.replay({ eventId: Number(target.eventId) });
  if (target.eventId && UUID.test(target.eventId)) return store.replay({ eventGuid: target.eventId });
  throw new Error('give an outbox event_id (a number), an event guid (a uuid) or --last N');
}

/** Rows the relay parked (malformed, or failing RELAY_MAX_ATTEMPTS times), with their reasons. */
export async function parkedRows(lab: LabContext, limit: number): Promise<ParkedRow[]> {
  return (await outboxStore(lab)).parked(limit);
}

/** Gives parked rows back to the relay (after a fix): all, or the event_ids given. */
export async function redriveParked(lab: LabContext, target: { all: boolean; eventIds: string[] }): Promise<number[]> {
  if (target.all === (target.eventIds.length > 0)) throw new Error('give the event_id(s) of parked rows, or --all');
  const ids = target.eventIds.map((id) => {
    if (!/^\d{1,15}$/.test(id)) throw new Error(`not an outbox event_id: ${id}`);
    return Number(id);
  });
  return (await outboxStore(lab)).redriveParked(target.all ? { all: true } : { eventIds: ids });
}

/** The outbox poison lab: a row written by hand that breaks the event contract, as a student might. */
export async function insertMalformedRow(lab: LabContext): Promise<number> {
  const { rows } = await lab.pg.query<{ event_id: string }>(
    `INSERT INTO proposalevents (proposal_id, event_guid, event_type, aggregate_version, payload)
     VALUES (0, gen_random_uuid(), 'proposal.created', 1, '{"hand":"written"}') RETURNING event_id`,
  );
  return Number(rows[0]?.event_id);
}
