// @ts-check
// Installs node_modules when it is missing or older than package-lock.json (runs before anything else,
// so it uses only Node's standard library).
//
// Why `npm install --no-save` and not `npm ci`: npm 11 writes lockfiles without other platforms'
// optional packages (@swc/core-darwin-*, ...) and then its own `npm ci` refuses them as "out of sync".
// `npm install --no-save` installs exactly the locked versions and leaves package-lock.json untouched.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'node_modules', '.acme-deps-stamp');
const lockHash = createHash('sha256')
  .update(readFileSync(join(root, 'package.json')))
  .update(readFileSync(join(root, 'package-lock.json')))
  .digest('hex');

if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === lockHash) process.exit(0);

console.log('[deps] installing npm dependencies (node_modules missing or stale)…');
execSync('npm install --no-save --no-audit --no-fund --loglevel=error', { cwd: root, stdio: 'inherit' });
writeFileSync(stampFile, lockHash);
console.log('[deps] done');
