export * from './config';
export * from './layout';
export * from './services/service';
export * from './blocks';
export * from './postgres';
export * from './ca';
export * from './services/anvil';
export * from './ipfs';
