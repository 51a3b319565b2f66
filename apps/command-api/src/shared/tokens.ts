/** Injection token for the validated CommandApiConfig. */
export const COMMAND_API_CONFIG = Symbol('COMMAND_API_CONFIG');
