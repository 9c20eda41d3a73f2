import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ListOffsetsPartitionResponse } from '../protocol/list-offsets/response.js';
import type { PartitionLog } from '../log/index.js';
import { defineHandler } from './handler.js';

const LATEST = -1;
const EARLIEST = -2;

function lookup(log: PartitionLog, timestamp: number): { offset: number; timestamp: number } {
  // One node, no open transactions: the last stable offset is the high watermark.
  if (timestamp === LATEST) return { offset: log.logEndOffset, timestamp: -1 };
  if (timestamp === EARLIEST) return { offset: log.logStartOffset, timestamp: -1 };
  return log.offsetForTimestamp(timestamp) ?? { offset: -1, timestamp: -1 };
}

/**
 * ListOffsets v0–3: -1 = high watermark, -2 = log start, t >= 0 = first offset whose record
 * timestamp is >= t (with that timestamp), or -1/-1 when there is none.
 */
export const listOffsets = defineHandler(ApiKey.ListOffsets, (req, _ctx, broker) => ({
  throttleTimeMs: 0,
  topics: req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p): ListOffsetsPartitionResponse => {
      const log = broker.logs.partition(t.name, p.partitionIndex);
      if (!log) {
        return {
          partitionIndex: p.partitionIndex,
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          oldStyleOffsets: [],
          timestamp: -1,
          offset: -1,
        };
      }
      const found = lookup(log, p.timestamp);
      return {
        partitionIndex: p.partitionIndex,
        errorCode: ErrorCode.NONE,
        oldStyleOffsets: found.offset >= 0 && p.maxNumOffsets > 0 ? [found.offset] : [],
        timestamp: found.timestamp,
        offset: found.offset,
      };
    }),
  })),
}));
