// Block hashing and block signature checks, shared by devnet (which writes blocks) and the
// anchor's verify (which re-checks them from a peer).
export * from './header';
export * from './data';
export * from './ecdsa';
export * from './signatures';
export * from './chain';
