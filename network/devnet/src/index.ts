export * from './interfaces';
export { DevnetChannel, type ChannelOptions } from './channel';
export { startDevnet, type RunningDevnet, type DevnetStatus, type PeerServices } from './main';
export { devnetService, fetchDevnetStatus, DEVNET_SERVICE } from './service';
export { DevnetLedger } from './ledger/ledger';
export { SigningIdentity } from './msp';
