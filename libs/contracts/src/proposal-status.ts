/** The course's proposal statuses. Shared by writer and reader: it is part of the event contract. */
export const PROPOSAL_STATUSES = [
  'ON_HOLD',
  'AWAITING_CONFIRMATION',
  'ACCEPTED',
  'REJECTED',
  'EXPIRED',
] as const;

export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];
