// setupFilesAfterEnv of every integration suite: real services (CAs, IPFS, ledger) may take
// longer than jest's 5 s default per test, and `testTimeout` is not a per-project option.
jest.setTimeout(120_000);
