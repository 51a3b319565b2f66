export * from './schema';
export * from './write-store';
export * from './outbox-relay.store';
export { CustomerRow } from './entities/customer.row';
export { OutboxEventRow } from './entities/outbox-event.row';
