export { startBroker, type BrokerOptions, type RunningBroker } from './server/broker.js';
export { parseFlushPolicy, DEFAULT_FLUSH_POLICY } from './server/flush-policy.js';
export type { FlushPolicy } from './log/index.js';
