import type { CustomerSnapshot } from '@acme/contracts';
import type { WriteStorePort } from '@acme/domain';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WRITE_STORE } from '../../../shared/tokens';
import { CreateCustomerCommand } from './create-customer.command';

@CommandHandler(CreateCustomerCommand)
export class CreateCustomerHandler implements ICommandHandler<CreateCustomerCommand> {
  constructor(@Inject(WRITE_STORE) private readonly writes: WriteStorePort) {}

  execute(command: CreateCustomerCommand): Promise<CustomerSnapshot> {
    return this.writes.inTransaction((store) => store.insertCustomer(command.customer));
  }
}
