import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ProducePartitionResponse } from '../protocol/produce/response.js';
import type { BrokerState } from './broker-state.js';
import { defineHandler, NO_RESPONSE } from './handler.js';

function failed(index: number, errorCode: number): ProducePartitionResponse {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
}

function appendOne(
  broker: BrokerState,
  topic: string,
  index: number,
  records: Buffer | null,
): ProducePartitionResponse {
  const partition = broker.logs.partition(topic, index);
  if (!partition) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (records === null || records.length === 0) return failed(index, ErrorCode.INVALID_RECORD);
  try {
    const r = partition.append(records, broker.now());
    if (r.errorCode !== ErrorCode.NONE)
      return { ...failed(index, r.errorCode), baseOffset: r.baseOffset, logStartOffset: r.logStartOffset };
    return {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: r.baseOffset,
      logAppendTimeMs: r.logAppendTime,
      logStartOffset: r.logStartOffset,
    };
  } catch (err) {
    broker.logger.error({ err, topic, partition: index }, 'append failed');
    return failed(index, ErrorCode.KAFKA_STORAGE_ERROR);
  }
}

/**
 * Produce v3–7: one batch per partition appended through the log (which validates, assigns
 * offsets, applies idempotence and, in flush mode "always", fsyncs). acks=0 gets no response
 * at all: no client reads one, and an unexpected frame would desynchronise them.
 */
export const produce = defineHandler(ApiKey.Produce, (req, _ctx, broker) => {
  const acksValid = req.acks === 0 || req.acks === 1 || req.acks === -1;
  const responses = req.topicData.map((t) => ({
    name: t.name,
    partitionResponses: t.partitionData.map((p) => {
      if (!acksValid) return failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
      if (req.transactionalId !== null)
        return failed(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      return appendOne(broker, t.name, p.index, p.records);
    }),
  }));
  if (req.acks === 0) return NO_RESPONSE;
  return { responses, throttleTimeMs: 0 };
});
