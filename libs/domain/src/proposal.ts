import {
  LIMITS,
  type CustomerSnapshot,
  type ProposalEvent,
  type ProposalEventAction,
  type ProposalStatus,
  PROPOSAL_EVENT_SCHEMA_VERSION,
} from '@acme/contracts';
import { DomainError, type FieldIssue } from './domain-error';

/**
 * The proposal's rules as plain functions: state in, new state out, with time passed in.
 * No framework, no database — they are tested without mocks (libs/domain/src/proposal.spec.ts).
 */

export interface Pax {
  firstName: string;
  middleName: string | null;
  lastName: string;
  age: number;
}

export interface Proposal {
  proposalId: number;
  customerId: number;
  packageId: string;
  status: ProposalStatus;
  pax: Pax[];
  expiresAt: Date;
  notes: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Which status may follow which. Final states have no way out. */
export const STATUS_TRANSITIONS: Readonly<Record<ProposalStatus, readonly ProposalStatus[]>> = {
  ON_HOLD: ['AWAITING_CONFIRMATION', 'REJECTED', 'EXPIRED'],
  AWAITING_CONFIRMATION: ['ON_HOLD', 'ACCEPTED', 'REJECTED', 'EXPIRED'],
  ACCEPTED: [],
  REJECTED: [],
  EXPIRED: [],
};

const EDITABLE: readonly ProposalStatus[] = ['ON_HOLD', 'AWAITING_CONFIRMATION'];
const DAY_MS = 24 * 60 * 60 * 1000;

export interface NewProposal {
  customerId: number;
  packageId: string;
  pax: Pax[];
  expiresInDays?: number | undefined;
  notes?: string | null | undefined;
}

/** Decides a new proposal. The id is assigned by the database, so it is passed in once known. */
export function createProposal(input: NewProposal, proposalId: number, now: Date): Proposal {
  const pax = normalisePax(input.pax);
  const days = input.expiresInDays ?? LIMITS.defaultExpiryDays;
  if (!Number.isInteger(days) || days < 1 || days > LIMITS.maxExpiryDays) {
    throw new DomainError('PROPOSAL.INVALID_EXPIRY', `expiresInDays must be 1..${LIMITS.maxExpiryDays}`, [
      { field: 'expiresInDays', message: `must be a whole number of days from 1 to ${LIMITS.maxExpiryDays}` },
    ]);
  }
  return {
    proposalId,
    customerId: input.customerId,
    packageId: input.packageId.trim(),
    status: 'ON_HOLD',
    pax,
    expiresAt: new Date(now.getTime() + days * DAY_MS),
    notes: input.notes ?? null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** Replaces the travellers of a proposal that is still open for changes. */
export function replacePax(proposal: Proposal, pax: Pax[], now: Date): Proposal {
  if (!EDITABLE.includes(proposal.status)) {
    throw new DomainError(
      'PROPOSAL.NOT_EDITABLE',
      `a proposal in status ${proposal.status} can no longer be changed`,
    );
  }
  return { ...proposal, pax: normalisePax(pax), version: proposal.version + 1, updatedAt: now };
}

/** Moves a proposal to another status if the transition is allowed. */
export function changeStatus(proposal: Proposal, status: ProposalStatus, now: Date): Proposal {
  const allowed = STATUS_TRANSITIONS[proposal.status];
  if (!allowed.includes(status)) {
    const options = allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'it is final';
    throw new DomainError(
      'PROPOSAL.INVALID_TRANSITION',
      `cannot change status from ${proposal.status} to ${status} (${options})`,
      [{ field: 'status', message: `transition ${proposal.status} -> ${status} is not allowed` }],
    );
  }
  if (status === 'ACCEPTED' && now.getTime() > proposal.expiresAt.getTime()) {
    throw new DomainError(
      'PROPOSAL.EXPIRED',
      `the proposal expired at ${proposal.expiresAt.toISOString()} and can no longer be accepted`,
    );
  }
  return { ...proposal, status, version: proposal.version + 1, updatedAt: now };
}

/** Removal is the proposal's last change: its version still moves on, so the read side sees it in order. */
export function removeProposal(proposal: Proposal, now: Date): Proposal {
  return { ...proposal, version: proposal.version + 1, updatedAt: now };
}

/** Optimistic concurrency: a client that read version N may only change version N. */
export function assertExpectedVersion(proposal: Proposal, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && expectedVersion !== proposal.version) {
    throw new DomainError(
      'PROPOSAL.VERSION_CONFLICT',
      `proposal ${proposal.proposalId} is at version ${proposal.version}, not ${expectedVersion}; reload and retry`,
      [{ field: 'expectedVersion', message: `current version is ${proposal.version}` }],
    );
  }
}

/** Trims names and enforces: at least one traveller, at most the limit, nobody twice. */
export function normalisePax(pax: Pax[]): Pax[] {
  if (pax.length === 0) {
    throw new DomainError('PROPOSAL.NO_PAX', 'a proposal needs at least one traveller', [
      { field: 'pax', message: 'must contain at least one traveller' },
    ]);
  }
  if (pax.length > LIMITS.maxPax) {
    throw new DomainError('PROPOSAL.TOO_MANY_PAX', `a proposal has at most ${LIMITS.maxPax} travellers`, [
      { field: 'pax', message: `must contain at most ${LIMITS.maxPax} travellers` },
    ]);
  }
  const seen = new Map<string, number>();
  const issues: FieldIssue[] = [];
  const normalised = pax.map((p, index) => {
    const person: Pax = {
      firstName: p.firstName.trim(),
      middleName: p.middleName?.trim() || null,
      lastName: p.lastName.trim(),
      age: p.age,
    };
    // The same traveller = same first name, last name and age, ignoring letter case.
    const key = `${person.firstName.toLocaleLowerCase()}\u0000${person.lastName.toLocaleLowerCase()}\u0000${person.age}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ field: `pax[${index}]`, message: `same traveller as pax[${first}]` });
    } else {
      seen.set(key, index);
    }
    return person;
  });
  if (issues.length > 0) {
    throw new DomainError('PROPOSAL.DUPLICATE_TRAVELLER', 'the same traveller appears twice', issues);
  }
  return normalised;
}

export interface EventContext {
  eventId: string;
  occurredAt: Date;
  source: string;
  traceparent?: string | undefined;
}

/** Builds the self-describing event for a change, as the contract lib defines it. */
export function proposalEvent(
  proposal: Proposal,
  customer: CustomerSnapshot,
  action: ProposalEventAction,
  ctx: EventContext,
): ProposalEvent {
  return {
    schemaVersion: PROPOSAL_EVENT_SCHEMA_VERSION,
    eventId: ctx.eventId,
    type: `proposal.${action}`,
    action,
    proposalId: proposal.proposalId,
    version: proposal.version,
    occurredAt: ctx.occurredAt.toISOString(),
    source: ctx.source,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    proposal: {
      proposalId: proposal.proposalId,
      customer,
      packageId: proposal.packageId,
      status: proposal.status,
      pax: proposal.pax.map((p) => ({ ...p })),
      expiresAt: proposal.expiresAt.toISOString(),
      notes: proposal.notes,
      createdAt: proposal.createdAt.toISOString(),
      updatedAt: proposal.updatedAt.toISOString(),
    },
  };
}
