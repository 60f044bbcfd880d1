export * from './config';
export * from './layout';
export * from './services/service';
export * from './blocks';
