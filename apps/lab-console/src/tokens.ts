/** Nest injection token of the validated configuration. */
export const LAB_CONSOLE_CONFIG = Symbol('LAB_CONSOLE_CONFIG');
