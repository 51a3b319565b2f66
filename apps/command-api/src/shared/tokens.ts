/** Injection token for the validated CommandApiConfig. */
export const COMMAND_API_CONFIG = Symbol('COMMAND_API_CONFIG');

/** Injection token for the write side's port (WriteStorePort); PostgreSQL behind it (libs/write-persistence). */
export const WRITE_STORE = Symbol('WRITE_STORE');
