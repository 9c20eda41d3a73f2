import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { defineHandler } from './handler.js';

/**
 * InitProducerId v0–1 for idempotent producers: a fresh, never reused producer id, epoch 0.
 * Transactional ids are refused (transactions are not implemented).
 */
export const initProducerId = defineHandler(ApiKey.InitProducerId, (req, _ctx, broker) => {
  if (req.transactionalId !== null) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      producerId: -1,
      producerEpoch: -1,
    };
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    producerId: broker.logs.allocateProducerId(),
    producerEpoch: 0,
  };
});
