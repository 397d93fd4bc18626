export * from './parse';
export * from './frames';
export * from './backoff';
export * from './channel-quantity';
export * from './correlation';
