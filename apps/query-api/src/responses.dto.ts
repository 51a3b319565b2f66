import { PROPOSAL_STATUSES, type ProposalStatus } from '@acme/contracts';
import { ApiProperty } from '@nestjs/swagger';
import type { duplicateResponse, eventResponse, proposalResponse } from './responses';

/** The response bodies of the query API, for its OpenAPI document (the values come from responses.ts). */

export class CustomerDto {
  @ApiProperty({ example: 1 }) customerId!: number;
  @ApiProperty({ example: 'john.doe@example.com' }) email!: string;
  @ApiProperty({ example: 'John' }) firstName!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) middleName!: string | null;
  @ApiProperty({ example: 'Doe' }) lastName!: string;
  @ApiProperty({ type: String, nullable: true, example: '+1 555 0100' }) phone!: string | null;
}

export class PaxResponseDto {
  @ApiProperty({ example: 'Zoë' }) firstName!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) middleName!: string | null;
  @ApiProperty({ example: "O'Brien" }) lastName!: string;
  @ApiProperty({ example: 34 }) age!: number;
}

export class ProposalResponseDto implements ReturnType<typeof proposalResponse> {
  @ApiProperty({ example: 1 }) proposalId!: number;
  @ApiProperty({ example: 1, description: 'the version of the last event applied to this view' }) version!: number;
  @ApiProperty({ type: CustomerDto }) customer!: CustomerDto;
  @ApiProperty({ example: 'BAHAMA5NIGHT@COCOCLUB' }) packageId!: string;
  @ApiProperty({ enum: PROPOSAL_STATUSES, example: 'ON_HOLD' }) status!: ProposalStatus;
  @ApiProperty({ type: [PaxResponseDto] }) pax!: PaxResponseDto[];
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) notes!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ProposalPageDto {
  @ApiProperty({ type: [ProposalResponseDto] }) items!: ProposalResponseDto[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as ?cursor= for the next page; null on the last' }) nextCursor!: string | null;
}

export class AppliedEventDto implements ReturnType<typeof eventResponse> {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'proposal.created' }) type!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ format: 'date-time' }) appliedAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the event as published (the contract in libs/contracts)' })
  event!: Record<string, unknown>;
}

export class ProposalEventsDto {
  @ApiProperty({ example: 1 }) proposalId!: number;
  @ApiProperty({ type: [AppliedEventDto], description: 'in version order; empty for an unknown proposal' }) events!: AppliedEventDto[];
}

export class CustomerProposalSummaryDto {
  @ApiProperty({ example: 1 }) proposalId!: number;
  @ApiProperty({ enum: PROPOSAL_STATUSES }) status!: ProposalStatus;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 'BAHAMA5NIGHT@COCOCLUB' }) packageId!: string;
}

export class CustomerProposalsDto {
  @ApiProperty({ example: 1 }) customerId!: number;
  @ApiProperty({ type: String, nullable: true, example: 'John Doe' }) customerName!: string | null;
  @ApiProperty({ example: 1 }) proposalCount!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { ON_HOLD: 1 } }) countByStatus!: Record<string, number>;
  @ApiProperty({ type: [CustomerProposalSummaryDto] }) proposals!: CustomerProposalSummaryDto[];
}

export class DuplicateDto implements ReturnType<typeof duplicateResponse> {
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 1 }) proposalId!: number;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 'proposal.created' }) type!: string;
  @ApiProperty({ example: 1, description: 'extra deliveries seen' }) count!: number;
  @ApiProperty({ format: 'date-time' }) firstSeenAt!: string;
  @ApiProperty({ format: 'date-time' }) lastSeenAt!: string;
}

export class DuplicatesDto {
  @ApiProperty({ type: [DuplicateDto], description: 'most recent first' }) items!: DuplicateDto[];
}
