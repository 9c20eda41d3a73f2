import type { TopologyState } from '../../topology/describe.js';

/** What the dashboard's topology panel shows of `recostream topology describe`. */
export interface TopologyView {
  feature_version: string;
  topics: {
    name: string;
    declared: boolean;
    exists: boolean;
    partitions: number;
    cleanup_policy: string | null;
    /** High watermark of each partition, by partition number. */
    end_offsets: number[];
    end_offset: number;
    records: number;
  }[];
  groups: { group_id: string; topic: string; lag: number }[];
}

export function topologyView(featureVersion: string, state: TopologyState): TopologyView {
  return {
    feature_version: featureVersion,
    topics: state.topics.map((t) => ({
      name: t.name,
      declared: t.declared,
      exists: t.exists,
      partitions: t.partitions,
      cleanup_policy: t.cleanupPolicy ?? null,
      end_offsets: t.offsets.map((o) => o.high),
      end_offset: t.endOffset,
      records: t.records,
    })),
    groups: state.lags.map((g) => ({ group_id: g.groupId, topic: g.topic, lag: g.lag })),
  };
}
