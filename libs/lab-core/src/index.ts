export * from './pipeline-status';
export * from './verdict';
