export * from './views';
export * from './projections';
export * from './read-model-db';
export * from './inbox/decide';
export * from './inbox/inbox-projector';
export * from './rebuild';
export * from './queries';
export * from './version-signals';
export { inboxEntryOf } from './inbox/inbox';
