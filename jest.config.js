// @ts-check
const fs = require('node:fs');
const path = require('node:path');

const swc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc.jest.json'), 'utf8'));
delete swc.$schema;
swc.jsc.baseUrl = __dirname;

/** Settings every project shares: TypeScript through swc (with decorator metadata, which Nest's DI needs). */
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^@stockbridge/shared$': '<rootDir>/libs/shared/src/index.ts' },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/libs/shared/dist/'],
};

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 1, // e2e suites share one PostgreSQL and one broker; unit suites are quick anyway
  testTimeout: 120_000, // end-to-end flows wait for real services; a project-level setting would be ignored
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/test/simulators/**/*.spec.ts',
      ],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
