export * from './segmented-aead';
export * from './key-wrap';
export * from './remark';
