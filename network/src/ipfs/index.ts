export * from './cid';
export * from './client';
export * from './config';
export * from './service';
export * from './replicator';
