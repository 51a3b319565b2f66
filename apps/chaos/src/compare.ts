import { COLLECTIONS, summariseCustomer, type CustomerProposalEntry, type DuplicateEvent, type ProposalView, type InboxEntry } from '@acme/read-model';
import type { TestDatabase } from '@acme/testing';
import type { Db } from 'mongodb';

export interface Findings {
  events: number;
  /** Outbox events never applied on the read side, plus views behind their write-side version. */
  lost: number;
  /** Views that differ from the write side at the same version, or customer counts off. */
  duplicateEffects: number;
  duplicatesLogged: number;
  /** Proposals whose events were applied in a different order than their versions. */
  outOfOrder: number;
  details: string[];
}

interface WriteRow {
  proposal_id: number;
  customer_id: number;
  package_id: string;
  status: string;
  notes: string | null;
  version: number;
  expires_at: Date;
  pax: { firstName: string; middleName: string | null; lastName: string; age: number }[];
}

/** Compares every write-side proposal with its read-side view, field by field, and audits the event log. */
export async function compareSides(db: TestDatabase, mongo: Db): Promise<Findings> {
  const details: string[] = [];
  const note = (line: string) => details.length < 20 && details.push(line);

  const outbox = await db.query<{ event_guid: string; proposal_id: number; aggregate_version: number; event_type: string }>(
    'SELECT event_guid, proposal_id, aggregate_version, event_type FROM proposalevents',
  );
  const writes = await db.query<WriteRow>(
    `SELECT p.proposal_id, p.customer_id, p.package_id, p.status, p.notes, p.version, p.expires_at,
            json_agg(json_build_object('firstName', x.first_name, 'middleName', x.middle_name, 'lastName', x.last_name, 'age', x.age)
                     ORDER BY x.position) AS pax
       FROM proposals p JOIN proposal_pax x USING (proposal_id)
      GROUP BY p.proposal_id`,
  );
  const stored = await mongo.collection<InboxEntry>(COLLECTIONS.inbox).find({}, { projection: { event: 0 } }).toArray();
  const views = new Map((await mongo.collection<ProposalView>(COLLECTIONS.proposals).find({}).toArray()).map((v) => [v._id, v]));
  const entries = await mongo.collection<CustomerProposalEntry>(COLLECTIONS.customerProposals).find({}).toArray();
  const customers = [...new Set(entries.map((e) => e.customerId))].map((id) =>
    summariseCustomer(id, entries.filter((e) => e.customerId === id)),
  );
  const duplicates = await mongo.collection<DuplicateEvent>(COLLECTIONS.duplicates).find({}).toArray();

  // Every stored event reached the read side.
  const applied = new Set(stored.map((s) => s._id));
  let lost = 0;
  for (const e of outbox) {
    if (!applied.has(e.event_guid)) {
      lost++;
      note(`lost: event ${e.event_guid} (${e.event_type} v${e.aggregate_version} of proposal ${e.proposal_id})`);
    }
  }

  // Every live proposal's view equals the write side, field by field.
  let duplicateEffects = 0;
  const live = new Set<number>();
  for (const w of writes) {
    live.add(w.proposal_id);
    const v = views.get(w.proposal_id);
    if (!v || v.version < w.version) {
      lost++;
      note(`behind: proposal ${w.proposal_id} is v${w.version}, view ${v ? `v${v.version}` : 'missing'}`);
      continue;
    }
    const expected = { customerId: w.customer_id, packageId: w.package_id, status: w.status, notes: w.notes, version: w.version, removed: false, expiresAt: w.expires_at.toISOString(), pax: w.pax };
    const actual = { customerId: v.customerId, packageId: v.packageId, status: v.status, notes: v.notes, version: v.version, removed: v.removed, expiresAt: v.expiresAt.toISOString(), pax: v.pax };
    if (JSON.stringify(expected) !== JSON.stringify(actual)) {
      duplicateEffects++;
      note(`differs: proposal ${w.proposal_id}: write ${JSON.stringify(expected)} view ${JSON.stringify(actual)}`);
    }
  }
  // Removed proposals are removed on the read side too.
  const removedIds = new Set(outbox.filter((e) => e.event_type === 'proposal.removed').map((e) => e.proposal_id));
  for (const id of removedIds) {
    if (!views.get(id)?.removed) {
      lost++;
      note(`removal not applied: proposal ${id}`);
    }
  }
  // Per customer: counts by status equal the write side (a double-applied event would show here).
  const expectedByCustomer = new Map<number, Record<string, number>>();
  for (const w of writes) {
    const counts = expectedByCustomer.get(w.customer_id) ?? {};
    counts[w.status] = (counts[w.status] ?? 0) + 1;
    expectedByCustomer.set(w.customer_id, counts);
  }
  for (const c of customers) {
    const expected = expectedByCustomer.get(c.customerId) ?? {};
    const sorted = (o: Record<string, number>) => JSON.stringify(Object.entries(o).sort());
    if (sorted(expected) !== sorted(c.countByStatus)) {
      duplicateEffects++;
      note(`customer ${c.customerId}: expected ${sorted(expected)}, view ${sorted(c.countByStatus)}`);
    }
  }

  // Per proposal, every event was applied after its predecessor (the inbox inserts N only once N-1 is
  // stored, and stamps appliedAt after that check), and the applied versions are exactly 1..N.
  let outOfOrder = 0;
  const appliedAt = new Map(stored.map((s) => [`${s.proposalId}:${s.version}`, s.appliedAt.getTime()]));
  for (const s of stored) {
    const predecessorAt = appliedAt.get(`${s.proposalId}:${s.version - 1}`);
    if (predecessorAt !== undefined && s.appliedAt.getTime() < predecessorAt) {
      outOfOrder++;
      note(`out of order: proposal ${s.proposalId} v${s.version} was applied before v${s.version - 1}`);
    }
  }
  const versionsByProposal = new Map<number, number[]>();
  for (const s of stored) versionsByProposal.set(s.proposalId, [...(versionsByProposal.get(s.proposalId) ?? []), s.version]);
  for (const [id, versions] of versionsByProposal) {
    if (versions.sort((a, b) => a - b).some((v, i) => v !== i + 1)) {
      outOfOrder++;
      note(`hole: proposal ${id} has versions ${versions.join(',')} applied`);
    }
  }

  return {
    events: outbox.length,
    lost,
    duplicateEffects,
    duplicatesLogged: duplicates.reduce((n, d) => n + d.count, 0),
    outOfOrder,
    details,
  };
}
