// @ehr/evm-anchor: the Ethereum anchor of the ledger (contract, deploy, anchoring, verify).
export * from './contract/compile';
export * from './contract/anchor-contract';
export * from './chain';
export * from './explorer';
export * from './deployment';
export * from './fabric/deliver';
export * from './fabric/orderer-trust';
export * from './verify/verify-ledger';
export * from './verify/verification-store';
export * from './service/chain-follower';
export * from './service/anchoring-service';
export { runAnchorCli } from './cli';
export * from './auditor-view';
export * from './state-files';
export * from './service/definition';
export * from './service/options';
export * from './fabric/member-identity';
