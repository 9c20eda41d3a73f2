import type { ItemState } from '../../sinks/redis/feature-state.js';
import { emptyItemState } from '../../sinks/redis/feature-state.js';
import { itemFeaturesRecord } from '../../sinks/redis/feature-values.js';
import { buildPopularityIndex, popularityRank, rankable } from '../../sinks/redis/indexes.js';
import { keys } from '../../sinks/redis/keys.js';
import { decodeItemState, encodeItemState } from '../../sinks/redis/state-codec.js';
import { TOPIC, itemFeaturesTopic } from '../../topology/topics.js';
import { applyItemEvent, finishItemState, itemSeenCandidates } from '../features/apply.js';
import type { EntitySpec } from '../runtime/entity-spec.js';

/** The item-features processor's entity: one item, keyed by item_id on `interactions-by-item`. */
export const itemFeaturesSpec: EntitySpec<ItemState> = {
  processor: 'item-features',
  kind: 'item',
  inputTopic: TOPIC.interactionsByItem,
  keyField: 'item_id',
  entityId: (e) => e.item_id,
  seenCandidates: itemSeenCandidates,
  emptyState: emptyItemState,
  decodeState: decodeItemState,
  encodeState: encodeItemState,
  apply: (s, e, seen) => applyItemEvent(s, e, seen),
  finish: finishItemState,
  async prepareIndexes(redis, version) {
    const added = await buildPopularityIndex(redis, version);
    return added === null ? null : `popularity index built from the stored item states (${added} items)`;
  },
  writeIndexes(m, version, plan) {
    const args: (string | number)[] = [];
    for (const [id, entity] of plan.entities) {
      if (rankable(entity.state.popularity)) args.push(popularityRank(entity.state.popularity), id);
    }
    if (args.length > 0) m.zadd(keys.itemPopularity(version), ...args);
  },
  async encodeFeatureRecord(serde, version, id, s, clock, now) {
    const topic = itemFeaturesTopic(version);
    const value = await serde.encode(
      topic,
      'ItemFeatures',
      itemFeaturesRecord(id, s, { version, as_of: clock, updated_at: now }),
    );
    return { topic, key: id, value };
  },
};
