// Helpers for tests and benchmarks of the ledger (not used by the devnet process).
export { createCa, issue, writeDevPki, type Ca } from './dev-pki';
export { BroadcastClient, fetchBlocks, seekEnvelope, watchCommits } from './ledger-client';
export { buildTransaction, type RwSpec, type TxSpec } from './transactions';
export {
  networkOnFreePorts,
  PrivateDevnet,
  privatePortOffset,
  type PrivateDevnetOptions,
} from './private-devnet';
