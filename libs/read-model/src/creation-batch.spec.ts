import type { ProposalEvent } from '@acme/contracts';
import { MongoNetworkTimeoutError } from 'mongodb';
import { CreationBatch, type CreationOutcome } from './creation-batch';

const event = (proposalId: number) => ({ proposalId, version: 1 }) as ProposalEvent;

describe('CreationBatch', () => {
  it('writes the creations that arrive in one tick as one batch', async () => {
    // Given a batch whose writes are recorded
    const writes: number[][] = [];
    const batch = new CreationBatch((events) => {
      writes.push(events.map((e) => e.proposalId));
      return Promise.resolve(events.map((): CreationOutcome => 'applied'));
    }, 100, 1_000);

    // When three creations arrive together, and a fourth later
    const together = await Promise.all([1, 2, 3].map((id) => batch.add(event(id))));
    const later = await batch.add(event(4));

    // Then the three were one write, the fourth another, and each got its outcome
    expect(writes).toEqual([[1, 2, 3], [4]]);
    expect([...together, later]).toEqual(['applied', 'applied', 'applied', 'applied']);
  });

  it('fails a write that never finishes as MongoDB unavailable, and goes on with the next batch', async () => {
    // Given a first write that hangs forever and a second that works
    let calls = 0;
    const batch = new CreationBatch((events) => {
      calls++;
      return calls === 1 ? new Promise<CreationOutcome[]>(() => undefined) : Promise.resolve(events.map((): CreationOutcome => 'applied'));
    }, 100, 50);

    // When a creation meets the hung write, Then it fails as a network timeout (retried without an attempt)
    await expect(batch.add(event(1))).rejects.toBeInstanceOf(MongoNetworkTimeoutError);
    // …and the next creation is written, not stuck behind it
    await expect(batch.add(event(2))).resolves.toBe('applied');
  });

  it('sends every creation of a batch the single-event way when the write fails for another reason', async () => {
    // Given a write that the server refuses (not a connection problem)
    const batch = new CreationBatch(() => Promise.reject(new Error('document refused')), 100, 1_000);

    // When two creations meet it, Then neither fails with the batch: each is retried on its own
    await expect(Promise.all([batch.add(event(1)), batch.add(event(2))])).resolves.toEqual(['retry-one', 'retry-one']);
  });
});
