export * from './domain-error';
export * from './proposal';
