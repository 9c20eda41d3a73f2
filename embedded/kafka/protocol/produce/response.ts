import { array, int16, int32, int64, since, string, struct } from '../schema.js';

/** Produce response v3–7: v5 added log_start_offset; throttle_time_ms comes last. */
export interface ProducePartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}
export interface ProduceTopicResponse {
  name: string;
  partitionResponses: ProducePartitionResponse[];
}
export interface ProduceResponse {
  responses: ProduceTopicResponse[];
  throttleTimeMs: number;
}

export const produceResponse = struct<ProduceResponse>({
  responses: array(
    struct<ProduceTopicResponse>({
      name: string,
      partitionResponses: array(
        struct<ProducePartitionResponse>({
          index: int32,
          errorCode: int16,
          baseOffset: int64,
          logAppendTimeMs: since(2, int64, -1),
          logStartOffset: since(5, int64, -1),
        }),
      ),
    }),
  ),
  throttleTimeMs: since(1, int32, 0),
});
