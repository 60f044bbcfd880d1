/* global require, module, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file that jest loads */
// One jest run for the whole repository (`npm test`). Unit tests live beside each workspace in
// <workspace>/test/**/*.test.ts and need no services; integration suites live in test/<suite>/
// and share the stack started by test/support (real CAs, PostgreSQL, IPFS, Anvil, devnet).
// ts-jest only transpiles (isolatedModules); `tsc -b` type-checks everything before jest runs.
// The portal's unit tests (web/test) run in jsdom with Angular's TestBed through jest-preset-angular;
// `tsc -p web/tsconfig.spec.json` type-checks them first (scripts/src/test-runner.ts).
const { createEsmPreset } = require('jest-preset-angular/presets');
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json' }] };
const base = { testEnvironment: '<rootDir>/jest.environment.js', transform, rootDir: __dirname };

const webPreset = createEsmPreset({ tsconfig: '<rootDir>/web/tsconfig.spec.json' });

const unitWorkspaces = [
  'common',
  'network',
  'network/devnet',
  'network/fabric',
  'chaincode',
  'gateway',
  'evm-anchor',
  'scripts',
];

/** Integration suites: folders under test/ run against real services (e2e: the portals in real Chromium). */
const integrationSuites = [
  'foundation',
  'ledger',
  'chaincode',
  'identity',
  'anchor',
  'records',
  'audit',
  'e2e',
  'membership',
];
// Real Fabric's own faults and membership changes (network/fabric): only with LEDGER=fabric.
if (process.env.LEDGER === 'fabric') integrationSuites.push('fabric');

module.exports = {
  // Integration suites share ports and services: one file at a time.
  maxWorkers: 1,
  // With one worker the tests run in this process: a handle left open by any test (a server, a
  // database or gRPC connection) would keep `npm test` (and CI) from ever exiting.
  forceExit: true,
  // Per test and hook, for every project (jest reads testTimeout only here, not per project): a
  // guard against hangs, not a speed claim. Some unit tests make real keys and certificates,
  // which takes seconds on a loaded 2-core machine; integration suites raise it further
  // (test/support/integration-timeout.ts).
  testTimeout: 30_000,
  verbose: false,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: unitWorkspaces.map((w) => `<rootDir>/${w}/test/**/*.test.ts`),
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/network/test/integration/'],
    },
    {
      // ES modules, as Angular ships them: `npm test` runs jest with Node's VM modules (see
      // scripts/src/test-runner.ts), under which jest loads every .mjs file as an ES module.
      ...webPreset,
      displayName: 'web',
      rootDir: __dirname,
      testEnvironment: 'jest-preset-angular/environments/jest-jsdom-env',
      testMatch: ['<rootDir>/web/test/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/web/test/setup.ts'],
      moduleNameMapper: {
        ...webPreset.moduleNameMapper,
        // As in the portal's build: the one error catalogue, compiled from source.
        '^@ehr/common$': '<rootDir>/common/src/index.ts',
      },
    },
    ...integrationSuites.map((suite) => ({
      ...base,
      displayName: suite,
      testMatch: [`<rootDir>/test/${suite}/**/*.test.ts`],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
      // One stack for every integration suite: started once, stopped at the end (test/support).
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    })),
  ],
};
