export * from './schema';
export * from './write-store';
export * from './outbox-table';
export * from './outbox-relay.store';
