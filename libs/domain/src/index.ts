export * from './customer';
export * from './domain-error';
export * from './proposal';
export * from './write-store.port';
