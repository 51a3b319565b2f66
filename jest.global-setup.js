// Integration and e2e tiers need the local services (and, for e2e, the built apps).
// `npm test` does this in `pretest`; this makes `npm run test:int` / `test:e2e` work on their own too.
const { execFileSync } = require('node:child_process');

module.exports = async function globalSetup(config) {
  const run = (args) => execFileSync(process.execPath, args, { cwd: __dirname, stdio: 'inherit' });
  run(['scripts/infra.mjs']);
  if (String(config.testRegex).includes('e2e')) {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: __dirname, stdio: 'inherit' });
  }
};
