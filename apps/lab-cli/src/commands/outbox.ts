import type { LabContext } from '../lab-context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The duplicate lab: mark events unprocessed so the relay publishes them again.
 * Same statement as the course's `UPDATE proposalevents SET processed = false WHERE event_id = N`.
 */
export async function replay(lab: LabContext, target: { eventId?: string; last?: number }): Promise<number[]> {
  let result;
  if (target.last !== undefined) {
    result = await lab.pg.query<{ event_id: string }>(
      `UPDATE proposalevents SET processed = false
        WHERE event_id IN (SELECT event_id FROM proposalevents WHERE processed ORDER BY event_id DESC LIMIT $1)
        RETURNING event_id`,
      [target.last],
    );
  } else if (target.eventId && /^\d+$/.test(target.eventId)) {
    result = await lab.pg.query<{ event_id: string }>(
      'UPDATE proposalevents SET processed = false WHERE event_id = $1 RETURNING event_id',
      [target.eventId],
    );
  } else if (target.eventId && UUID.test(target.eventId)) {
    result = await lab.pg.query<{ event_id: string }>(
      'UPDATE proposalevents SET processed = false WHERE event_guid = $1 RETURNING event_id',
      [target.eventId],
    );
  } else {
    throw new Error('give an outbox event_id (a number), an event guid (a uuid) or --last N');
  }
  return result.rows.map((r) => Number(r.event_id)).sort((a, b) => a - b);
}
