import { OutboxRelayStore } from '@acme/write-persistence';
import type { LabContext } from '../lab-context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The duplicate lab: mark events unprocessed so the relay publishes them again. */
export async function replay(lab: LabContext, target: { eventId?: string | undefined; last?: number | undefined }): Promise<number[]> {
  const store = new OutboxRelayStore(lab.pg);
  if (target.last !== undefined) return store.replay({ last: target.last });
  if (target.eventId && /^\d{1,15}$/.test(target.eventId)) return store.replay({ eventId: Number(target.eventId) });
  if (target.eventId && UUID.test(target.eventId)) return store.replay({ eventGuid: target.eventId });
  throw new Error('give an outbox event_id (a number), an event guid (a uuid) or --last N');
}
