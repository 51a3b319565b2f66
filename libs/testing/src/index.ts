export * from './env';
export * from './postgres';
export * from './rabbitmq';
export * from './mongo';
export * from './apps';
export * from './events';
export * from './pipeline';
export * from './toxiproxy';
