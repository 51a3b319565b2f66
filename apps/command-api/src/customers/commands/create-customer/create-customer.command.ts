import type { NewCustomer } from '@acme/write-persistence';
import type { CustomerSnapshot } from '@acme/contracts';
import { Command } from '@nestjs/cqrs';

export class CreateCustomerCommand extends Command<CustomerSnapshot> {
  constructor(readonly customer: NewCustomer) {
    super();
  }
}
