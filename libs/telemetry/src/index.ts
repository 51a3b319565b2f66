export * from './sdk';
export * from './context';
export * from './gauges';
