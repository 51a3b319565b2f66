export * from './proposal-status';
export * from './proposal-event';
export * from './topology';
export * from './text';
export * from './error-codes';
export * from './timeout';
