import type { ProposalStatus } from '@acme/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'proposals' })
export class ProposalRow {
  @PrimaryColumn({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  @Column({ name: 'customer_id', type: 'integer' })
  customerId!: number;

  @Column({ name: 'package_id', type: 'varchar', length: 100 })
  packageId!: string;

  @Column({ type: 'varchar', length: 32 })
  status!: ProposalStatus;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  notes!: string | null;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'created_date', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_date', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity({ name: 'proposal_pax' })
export class ProposalPaxRow {
  @PrimaryColumn({ name: 'proposal_id', type: 'integer' })
  proposalId!: number;

  @PrimaryColumn({ type: 'smallint' })
  position!: number;

  @Column({ name: 'first_name', type: 'varchar', length: 100 })
  firstName!: string;

  @Column({ name: 'middle_name', type: 'varchar', length: 100, nullable: true })
  middleName!: string | null;

  @Column({ name: 'last_name', type: 'varchar', length: 100 })
  lastName!: string;

  @Column({ type: 'smallint' })
  age!: number;
}
