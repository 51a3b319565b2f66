import { z } from 'zod';
import { PROPOSAL_STATUSES } from './proposal-status';
import { isCleanText } from './text';

/**
 * The proposal event contract, version 1 — defined once, shared by the write side (which stores it
 * in the outbox), the relay (which publishes it) and the read side (which validates it at its edge).
 *
 * Events are self-describing and carry a full snapshot of the proposal after the change
 * ("event-carried state transfer"), so a projection never has to call back to the write side.
 */
export const PROPOSAL_EVENT_SCHEMA_VERSION = 1;

export const PROPOSAL_EVENT_ACTIONS = ['created', 'updated', 'removed'] as const;
export type ProposalEventAction = (typeof PROPOSAL_EVENT_ACTIONS)[number];

/** Limits shared by the HTTP validation, the domain rules and the contract. */
export const LIMITS = {
  nameMaxLength: 100,
  maxPax: 20,
  maxAge: 120,
  packageIdMaxLength: 100,
  notesMaxLength: 2000,
  defaultExpiryDays: 14,
  maxExpiryDays: 30,
} as const;

const text = (max: number, multiline = false) =>
  z.string().refine((s) => isCleanText(s, max, multiline), {
    message: `must be well-formed text of at most ${max} characters without control characters`,
  });
const name = text(LIMITS.nameMaxLength).refine((s) => s.trim().length > 0, { message: 'must not be blank' });

const paxSchema = z
  .object({
    firstName: name,
    middleName: text(LIMITS.nameMaxLength).nullable(),
    lastName: name,
    age: z.number().int().min(0).max(LIMITS.maxAge),
  })
  .strict();

const customerSchema = z
  .object({
    customerId: z.number().int().positive(),
    email: z.string(),
    firstName: z.string(),
    middleName: z.string().nullable(),
    lastName: z.string(),
    phone: z.string().nullable(),
  })
  .strict();

export const proposalSnapshotSchema = z
  .object({
    proposalId: z.number().int().positive(),
    customer: customerSchema,
    packageId: z.string().min(1).max(LIMITS.packageIdMaxLength),
    status: z.enum(PROPOSAL_STATUSES),
    pax: z.array(paxSchema).min(1).max(LIMITS.maxPax),
    expiresAt: z.string().datetime(),
    notes: text(LIMITS.notesMaxLength, true).nullable(),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
  })
  .strict();

export const proposalEventSchema = z
  .object({
    schemaVersion: z.literal(PROPOSAL_EVENT_SCHEMA_VERSION),
    /** Unique id of this event (the outbox row's `event_guid`); the read side deduplicates on it. */
    eventId: z.string().uuid(),
    type: z.enum(['proposal.created', 'proposal.updated', 'proposal.removed']),
    action: z.enum(PROPOSAL_EVENT_ACTIONS),
    proposalId: z.number().int().positive(),
    /** The proposal's version after this change: 1 for `created`, +1 for every later change. */
    version: z.number().int().positive(),
    occurredAt: z.string().datetime(),
    source: z.string().min(1),
    /** W3C trace context of the request that caused the event, when there was one. */
    traceparent: z.string().optional(),
    /** The proposal after the change (for `removed`: as it was when removed). */
    proposal: proposalSnapshotSchema,
  })
  .strict()
  .refine((e) => e.type === `proposal.${e.action}`, { message: 'type must be proposal.<action>', path: ['type'] })
  .refine((e) => e.proposal.proposalId === e.proposalId, {
    message: 'proposal.proposalId must equal proposalId',
    path: ['proposal', 'proposalId'],
  })
  .refine((e) => (e.action === 'created') === (e.version === 1), {
    message: 'a created event has version 1 and only a created event has version 1',
    path: ['version'],
  });

export type ProposalSnapshot = z.infer<typeof proposalSnapshotSchema>;
export type ProposalEvent = z.infer<typeof proposalEventSchema>;
export type PaxSnapshot = ProposalSnapshot['pax'][number];
export type CustomerSnapshot = ProposalSnapshot['customer'];

export type ParseResult = { ok: true; event: ProposalEvent } | { ok: false; reason: string };

/** Validates untrusted bytes (an AMQP body) against the contract; never throws. */
export function parseProposalEvent(body: Buffer | string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body.toString());
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  return checkProposalEvent(json);
}

/** Validates an untrusted value (a JSON body, an outbox row's payload) against the contract; never throws. */
export function checkProposalEvent(value: unknown): ParseResult {
  const result = proposalEventSchema.safeParse(value);
  if (!result.success) {
    const reason = result.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: `contract violation: ${reason}` };
  }
  return { ok: true, event: result.data };
}
