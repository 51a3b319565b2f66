// Shared by the three test tiers. Tests are transpiled by SWC (type-checking is `npm run typecheck`);
// `@acme/*` imports resolve to the libs' public `src/index.ts`, as in tsconfig.base.json.
const { mkdirSync, readFileSync } = require('node:fs');
const swcrc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.exclude;
delete swcrc.$schema;

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(swcrc.jsc.paths)) {
  moduleNameMapper[`^${alias}$`] = `<rootDir>/${target}`;
}
delete swcrc.jsc.paths;
delete swcrc.jsc.baseUrl;

// Each tier writes its results to test-results/<tier>.json (--outputFile), which jest does not create.
mkdirSync(`${__dirname}/test-results`, { recursive: true });

module.exports = (testRegex, extra = {}) => ({
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
  testEnvironment: 'node',
  testRegex,
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false, sourceMaps: 'inline' }] },
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
  ...extra,
});
