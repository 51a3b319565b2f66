import type { CustomerSnapshot } from '@acme/contracts';
import { inTransaction } from '@acme/write-persistence';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { CreateCustomerCommand } from './create-customer.command';

@CommandHandler(CreateCustomerCommand)
export class CreateCustomerHandler implements ICommandHandler<CreateCustomerCommand> {
  constructor(private readonly dataSource: DataSource) {}

  execute(command: CreateCustomerCommand): Promise<CustomerSnapshot> {
    return inTransaction(this.dataSource, (store) => store.insertCustomer(command.customer));
  }
}
