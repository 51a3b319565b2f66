export * from './views';
export * from './projections';
export * from './read-model-db';
export * from './projector';
export * from './rebuild';
export * from './queries';
export * from './version-signals';
