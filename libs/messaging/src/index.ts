export * from './amqp-connection';
export * from './topology';
export * from './proposal-message';
