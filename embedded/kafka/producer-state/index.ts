export { ProducerErrorCode } from './error-codes.js';
export { INT32_MAX, incrementSequence } from './sequence.js';
export { ProducerIdAllocator } from './producer-id-allocator.js';
export { ProducerStateManager, type ProducerStateOptions } from './producer-state-manager.js';
export {
  BATCHES_PER_PRODUCER,
  type BatchMetadata,
  type ProducerBatch,
  type ProducerEntry,
  type SequenceCheck,
} from './types.js';
