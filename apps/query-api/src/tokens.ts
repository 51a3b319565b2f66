export const QUERY_API_CONFIG = Symbol('QUERY_API_CONFIG');
