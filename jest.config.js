// One jest run for the whole repository (`npm test`). Unit tests live beside each workspace in
// <workspace>/test/**/*.test.ts and need no services; integration suites live in test/<suite>/
// and share the stack started by test/support (real CAs, PostgreSQL, IPFS, Anvil, devnet).
// ts-jest only transpiles (isolatedModules); `tsc -b` type-checks everything before jest runs.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json' }] };
const base = { testEnvironment: '<rootDir>/jest.environment.js', transform, rootDir: __dirname };

const unitWorkspaces = ['common', 'network', 'network/devnet', 'network/fabric', 'chaincode', 'gateway', 'evm-anchor', 'scripts'];

/** Integration suites: folders under test/ run against real services (e2e: the portals in real Chromium). */
const integrationSuites = ['foundation', 'ledger', 'chaincode', 'identity', 'anchor', 'records', 'audit', 'e2e'];
// Real Fabric's own faults and membership changes (network/fabric): only with LEDGER=fabric.
if (process.env.LEDGER === 'fabric') integrationSuites.push('fabric');

module.exports = {
  // Integration suites share ports and services: one file at a time.
  maxWorkers: 1,
  // With one worker the tests run in this process: a handle left open by any test (a server, a
  // database or gRPC connection) would keep `npm test` (and CI) from ever exiting.
  forceExit: true,
  verbose: false,
  projects: [
    {
      ...base,
      displayName: 'unit',
      // A guard against hangs, not a speed claim: some unit tests make real keys and
      // certificates (openssl), which takes seconds on a loaded 2-core machine.
      testTimeout: 30_000,
      testMatch: unitWorkspaces.map((w) => `<rootDir>/${w}/test/**/*.test.ts`),
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/network/test/integration/'],
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
