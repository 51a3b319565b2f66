// @ts-check
// The lab console's browser tests drive Debian's Chromium (playwright-core cannot download a browser
// here). Installs the `chromium` package when it is missing and this user may run apt-get.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !existsSync('/usr/bin/apt-get')) {
  console.warn(`[browser] ${CHROMIUM} is missing and cannot be installed here (needs root and apt-get): the browser tests will be skipped`);
  process.exit(0);
}
console.log('[browser] installing Debian chromium for the browser tests (first time only)…');
execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null', { stdio: 'inherit', shell: '/bin/bash' });
console.log('[browser] done');
