export * from './problem';
export * from './problem.filter';
export * from './validation';
export * from './http-app';
export * from './health';
export * from './trace-context';
export * from './text.validator';
export * from './metrics';
