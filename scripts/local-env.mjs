// @ts-check
// The environment for local runs: `.env` (created from `.env.example` on first use; edit it to taste),
// under whatever is already set in the shell. The apps themselves have no connection defaults.
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './paths.mjs';

export function loadLocalEnv() {
  const envFile = join(root, '.env');
  if (!existsSync(envFile)) {
    copyFileSync(join(root, '.env.example'), envFile);
    console.log('[env] created .env from .env.example (local development settings)');
  }
  const shell = { ...process.env };
  process.loadEnvFile(envFile);
  Object.assign(process.env, shell); // the shell wins over .env
  return process.env;
}
