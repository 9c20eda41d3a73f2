import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { FetchRequest } from '../protocol/fetch/request.js';
import type { FetchPartitionResponse, FetchResponse } from '../protocol/fetch/response.js';
import type { BrokerState } from './broker-state.js';
import { defineHandler } from './handler.js';

const EMPTY: Buffer = Buffer.alloc(0);

function failed(partitionIndex: number, errorCode: number): FetchPartitionResponse {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: [],
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

interface ReadOutcome {
  response: FetchResponse;
  bytes: number;
  anyError: boolean;
}

/**
 * Reads every requested partition once, in request order, within max_bytes and each
 * partition_max_bytes — except that the first batch of the first non-empty partition is
 * returned whole even when it exceeds both (KIP-74), or clients would refetch it forever.
 */
function readAll(req: FetchRequest, broker: BrokerState): ReadOutcome {
  let remaining = req.maxBytes;
  let bytes = 0;
  let anyError = false;
  const responses = req.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p): FetchPartitionResponse => {
      const log = broker.logs.partition(t.topic, p.partition);
      if (!log) {
        anyError = true;
        return failed(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      }
      const logStartOffset = log.logStartOffset;
      const highWatermark = log.logEndOffset;
      if (p.fetchOffset < logStartOffset || p.fetchOffset > highWatermark) {
        anyError = true;
        return failed(p.partition, ErrorCode.OFFSET_OUT_OF_RANGE);
      }
      let records: Buffer = EMPTY;
      if (p.fetchOffset < highWatermark) {
        const limit = Math.max(0, Math.min(p.partitionMaxBytes, remaining));
        records = log.read(p.fetchOffset, limit, bytes === 0);
        remaining -= records.length;
        bytes += records.length;
      }
      return {
        partitionIndex: p.partition,
        errorCode: ErrorCode.NONE,
        highWatermark,
        lastStableOffset: highWatermark,
        logStartOffset,
        abortedTransactions: [],
        preferredReadReplica: -1,
        records,
      };
    }),
  }));
  return {
    response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses },
    bytes,
    anyError,
  };
}

/**
 * Resolves when one of the requested partitions gets an append, the deadline passes, or the
 * broker shuts down.
 */
function waitForData(
  req: FetchRequest,
  broker: BrokerState,
  ms: number,
): Promise<'data' | 'timeout' | 'closing'> {
  const wanted = new Set(req.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}\0${p.partition}`)));
  return new Promise((resolve) => {
    const done = (why: 'data' | 'timeout' | 'closing'): void => {
      clearTimeout(timer);
      stopWatchingAppends();
      stopWatchingClose();
      resolve(why);
    };
    const timer = setTimeout(() => done('timeout'), ms);
    const stopWatchingAppends = broker.logs.onAppend((topic, partition) => {
      if (wanted.has(`${topic}\0${partition}`)) done('data');
    });
    const stopWatchingClose = broker.onClose(() => done('closing'));
  });
}

/**
 * Fetch v4–11 with long poll: answer at once when max_wait <= 0, a partition errs, or at least
 * min_bytes are available; otherwise park (delaying only this connection) and re-read on each
 * append to a requested partition, answering with whatever exists at max_wait at the latest.
 * Fetch sessions are not kept: session id 0 tells clients to send full requests.
 */
export const fetch = defineHandler(ApiKey.Fetch, async (req, _ctx, broker) => {
  const deadline = Date.now() + req.maxWaitMs;
  let outcome = readAll(req, broker);
  while (!outcome.anyError && outcome.bytes < req.minBytes) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const woken = await waitForData(req, broker, left);
    outcome = readAll(req, broker);
    if (woken !== 'data') break;
  }
  return outcome.response;
});
