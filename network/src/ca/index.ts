export * from './client';
export * from './identities';
export * from './server-config';
export * from './service';
