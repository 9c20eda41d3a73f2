import { array, boolean, int16, int32, nullableString, since, string, struct } from '../schema.js';

/** Metadata response v0–6 (v1 rack/controller/is_internal, v2 cluster id, v3 throttle, v5 offline). */
export interface MetadataBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}
export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}
export interface MetadataTopic {
  errorCode: number;
  name: string;
  isInternal: boolean;
  partitions: MetadataPartition[];
}
export interface MetadataResponse {
  throttleTimeMs: number;
  brokers: MetadataBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataTopic[];
}

export const metadataResponse = struct<MetadataResponse>({
  throttleTimeMs: since(3, int32, 0),
  brokers: array(
    struct<MetadataBroker>({
      nodeId: int32,
      host: string,
      port: int32,
      rack: since(1, nullableString, null),
    }),
  ),
  clusterId: since(2, nullableString, null),
  controllerId: since(1, int32, -1),
  topics: array(
    struct<MetadataTopic>({
      errorCode: int16,
      name: string,
      isInternal: since(1, boolean, false),
      partitions: array(
        struct<MetadataPartition>({
          errorCode: int16,
          partitionIndex: int32,
          leaderId: int32,
          replicaNodes: array(int32),
          isrNodes: array(int32),
          offlineReplicas: since(5, array(int32), []),
        }),
      ),
    }),
  ),
});
