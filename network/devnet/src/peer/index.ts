// @ehr/devnet peer side — what main.ts wires for each hospital's peer endpoint.
//
//   const peerSide = createPeerSide(net)
//   startDevnet(net, { peerServices: [peerSide.addServices], extraStatus: () => ({ chaincode: peerSide.status() }) })
//   ... peerSide.close() on stop (closes the chaincode connections)
// addServices registers gateway.Gateway and protos.Endorser (each under Fabric's
// peer.limits.concurrency) on the hospital's server; limitService/Semaphore can wrap Deliver too.
// PeerServer is a self-contained peer endpoint (TLS, 100 MiB limits) used by the unit tests.
export {
  channelChaincodes,
  defaultChannelResources,
  orgPolicies,
  POLICY_READERS,
  POLICY_WRITERS,
} from './channel';
export type { ChaincodeDefinition, ChannelResources } from './channel';
export { FABRIC_DEFAULT_LIMITS, limitService, Semaphore, type ConcurrencyLimits } from './limits';
export { MAX_MESSAGE_BYTES, PeerServer, endorserHandlers, type PeerServerOptions } from './server';
export { createPeerSide, type PeerChannel, type PeerSide } from './services';
