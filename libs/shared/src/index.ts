export * from './parse';
export * from './frames';
export * from './snapshot-commands';
export * from './snapshot-frames';
export * from './backoff';
export * from './channel-quantity';
export * from './correlation';
