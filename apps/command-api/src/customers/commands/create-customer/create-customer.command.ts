import type { CustomerSnapshot } from '@acme/contracts';
import type { NewCustomer } from '@acme/domain';
import { Command } from '@nestjs/cqrs';

export class CreateCustomerCommand extends Command<CustomerSnapshot> {
  constructor(readonly customer: NewCustomer) {
    super();
  }
}
