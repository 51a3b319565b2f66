export * from './amqp-connection';
export * from './topology';
export * from './proposal-message';
export * from './dead-letters';
export * from './poison';
export * from './projection-notices';
export * from './confirm-publisher';
