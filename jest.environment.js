/* global require, module, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file that jest loads */
// The Node test environment of every jest project, without the test runner's own globals.
//
// jest-environment-node hands each test file the globals of the process that runs jest. When
// jest runs in band (`npm test` does), that process has also run the integration suites'
// globalSetup, which loads @ehr/network and with it @hyperledger/fabric-protos. google-protobuf's
// generated code keeps its classes on a global `proto` namespace and resolves them through it at
// call time, so every test file then shared — and re-registered — the same namespace: a file's
// `common.Envelope` could be another evaluation's class than the one its gRPC client checks
// ("Expected argument of type common.Envelope"), and messages could be built from another file's
// classes. Only the globals a plain Node process starts with are handed over here; whatever a
// library put on the runner's global (protobuf's `proto`, tslib's helpers, zod's registry) is
// each test file's own again.
const { execFileSync } = require('node:child_process');
const { TestEnvironment } = require('jest-environment-node');

/** Names on the global object of a Node process that has loaded nothing (asked once). */
const plainNodeGlobals = new Set(
  JSON.parse(
    execFileSync(
      process.execPath,
      ['-e', 'process.stdout.write(JSON.stringify(Object.getOwnPropertyNames(globalThis)))'],
      {
        env: { PATH: process.env.PATH ?? '' },
        encoding: 'utf8',
      },
    ),
  ),
);

class IsolatedNodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of Object.getOwnPropertyNames(globalThis)) {
      if (!plainNodeGlobals.has(name)) delete this.global[name];
    }
  }
}

module.exports = IsolatedNodeEnvironment;
