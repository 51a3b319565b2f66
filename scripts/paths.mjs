// @ts-check
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Local state that is never committed: built FerretDB, its data, pid files, logs. */
export const stateDir = join(root, '.acme');
export const runDir = join(stateDir, 'run');
export const logDir = join(stateDir, 'logs');
for (const dir of [stateDir, runDir, logDir]) mkdirSync(dir, { recursive: true });

/**
 * @typedef {object} App one process of the stack
 * @property {string} name its folder under apps/, its pm2 name after `acme-`, its log's name
 * @property {string} portVar the variable that moves its port
 * @property {number} port
 * @property {string} role
 * @property {boolean} [docs] serves the OpenAPI UI at /docs
 * @property {boolean} [page] serves a page at / (else its URL is /health)
 */

/** @type {readonly App[]} */
export const APPS = [
  { name: 'command-api', portVar: 'COMMAND_API_PORT', port: 3000, role: 'write side REST', docs: true },
  { name: 'query-api', portVar: 'QUERY_API_PORT', port: 3001, role: 'read side REST', docs: true },
  { name: 'event-processor', portVar: 'EVENT_PROCESSOR_PORT', port: 3002, role: 'outbox relay (health)' },
  { name: 'proposal-subscriber', portVar: 'PROPOSAL_SUBSCRIBER_PORT', port: 3003, role: 'projections (health)' },
  { name: 'lab-console', portVar: 'LAB_CONSOLE_PORT', port: 3004, role: 'live pipeline page', page: true },
];

/** @param {string} name an app's name */
export const appScript = (name) => join(root, 'dist', 'apps', name, 'src', 'main.js');
