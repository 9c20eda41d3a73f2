import { int32, nullableString, struct } from '../schema.js';

/** InitProducerId v0–1 (null transactional id = plain idempotent producer). */
export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
}

export const initProducerIdRequest = struct<InitProducerIdRequest>({
  transactionalId: nullableString,
  transactionTimeoutMs: int32,
});
