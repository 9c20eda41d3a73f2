import { array, int16, int32, nullableString, records, since, string, struct } from '../schema.js';

/** Produce v3–7 (v3 added transactional_id; the layout is unchanged up to 8). */
export interface ProducePartitionData {
  index: number;
  records: Buffer | null;
}
export interface ProduceTopicData {
  name: string;
  partitionData: ProducePartitionData[];
}
export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: ProduceTopicData[];
}

export const produceRequest = struct<ProduceRequest>({
  transactionalId: since(3, nullableString, null),
  acks: int16,
  timeoutMs: int32,
  topicData: array(
    struct<ProduceTopicData>({
      name: string,
      partitionData: array(struct<ProducePartitionData>({ index: int32, records })),
    }),
  ),
});
