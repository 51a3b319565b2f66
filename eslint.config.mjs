// @ts-check
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Packages that tie code to a framework, a database or a broker. The domain rules and the event
// contracts are plain TypeScript so they can be read, tested and shared without any of them.
const frameworkAndDriverPackages = [
  '@nestjs/*',
  'typeorm',
  'pg',
  'mongodb',
  'amqplib',
  'amqp-connection-manager',
  'fastify',
  '@fastify/*',
];

const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'];

/**
 * Which project may import which (Nx tags). Production code never imports the test support lib;
 * test files (*.int-spec.ts, *.e2e-spec.ts) of any project may.
 * @param {{ tests: boolean }} options
 */
function boundaries({ tests }) {
  const testing = tests ? ['type:testing'] : [];
  const testingScope = tests ? ['scope:testing'] : [];
  return [
    // Sides: the read side never reaches into the write side and vice versa.
    { sourceTag: 'scope:read', onlyDependOnLibsWithTags: ['scope:read', 'scope:shared', ...testingScope] },
    { sourceTag: 'scope:write', onlyDependOnLibsWithTags: ['scope:write', 'scope:shared', ...testingScope] },
    { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', ...testingScope] },
    // Test support sets up both sides' real services (a database with the schema, a vhost, a Mongo
    // database), so it may use both.
    // The lab console is the instructor's view of the whole pipeline: it reads both sides on purpose.
    { sourceTag: 'scope:lab', onlyDependOnLibsWithTags: ['scope:lab', 'scope:shared', 'scope:read', 'scope:write', ...testingScope] },
    { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:shared', 'scope:read', 'scope:write', 'scope:testing'] },
    // Layers: apps compose libs; infra adapts domain and contracts; the domain knows only the
    // contracts; the contracts know nothing but themselves.
    { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:contracts', ...testing] },
    { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:domain', 'type:contracts', ...testing] },
    {
      sourceTag: 'type:domain',
      onlyDependOnLibsWithTags: ['type:contracts', ...testing],
      bannedExternalImports: frameworkAndDriverPackages,
    },
    {
      sourceTag: 'type:contracts',
      onlyDependOnLibsWithTags: ['type:contracts', ...testing],
      bannedExternalImports: frameworkAndDriverPackages,
    },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:domain'] },
    // End-to-end suites, the chaos run and the benchmark drive the running system and inspect its stores.
    { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:contracts', 'type:infra'] },
  ];
}

export default defineConfig(
  globalIgnores([
    '**/dist/**',
    '**/node_modules/**',
    '**/.nx/**',
    '**/coverage/**',
    // The jest configs: CommonJS that jest loads as it is.
    '*.js',
    '*.cjs',
  ]),
  // Registers the @nx plugin (enforce-module-boundaries).
  ...nx.configs['flat/base'],
  {
    files: ['**/*.ts'],
    ignores: ['scripts/**'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          depConstraints: boundaries({ tests: false }),
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // Deliberately NOT enabling @typescript-eslint/consistent-type-imports: with
      // emitDecoratorMetadata, Nest reads constructor parameter types at runtime, and turning a
      // class import into `import type` erases it and breaks dependency injection.
    },
  },
  {
    // The scripts (npm start, up, down, the infrastructure) run before anything is built, so they are
    // JavaScript that Node runs as it is, typed with JSDoc and checked by tsconfig.scripts.json.
    files: ['scripts/**/*.mjs', 'scripts/**/*.ts', '*.mjs'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: './tsconfig.scripts.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // tsc knows Node's globals (@types/node) and reports an undefined name itself.
      'no-undef': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Tests poke at loosely typed things (supertest bodies, raw AMQP messages, jest mocks).
    files: testFiles,
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@nx/enforce-module-boundaries': ['error', { depConstraints: boundaries({ tests: true }) }],
    },
  },
);
