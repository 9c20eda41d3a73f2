import type { UserState } from '../../sinks/redis/feature-state.js';
import { emptyUserState } from '../../sinks/redis/feature-state.js';
import { userFeaturesRecord } from '../../sinks/redis/feature-values.js';
import { keys } from '../../sinks/redis/keys.js';
import { decodeUserState, encodeUserState } from '../../sinks/redis/state-codec.js';
import { TOPIC, userFeaturesTopic } from '../../topology/topics.js';
import { applyUserEvent, finishUserState, userSeenCandidates } from '../features/apply.js';
import type { EntitySpec } from '../runtime/entity-spec.js';

/** The user-features processor's entity: one user, keyed by user_id on `interactions`. */
export const userFeaturesSpec: EntitySpec<UserState> = {
  processor: 'user-features',
  kind: 'user',
  inputTopic: TOPIC.interactions,
  keyField: 'user_id',
  entityId: (e) => e.user_id,
  seenCandidates: userSeenCandidates,
  emptyState: emptyUserState,
  decodeState: decodeUserState,
  encodeState: encodeUserState,
  apply: applyUserEvent,
  finish: finishUserState,
  writeIndexes(m, version, plan) {
    const purchased = new Map<string, Set<string>>();
    for (const { event } of plan.applied) {
      if (event.event_type !== 'purchase') continue;
      let items = purchased.get(event.user_id);
      if (!items) purchased.set(event.user_id, (items = new Set()));
      items.add(event.item_id);
    }
    for (const [user, items] of purchased) m.sadd(keys.purchased(version, user), ...items);
  },
  async encodeFeatureRecord(serde, version, id, s, clock, now) {
    const topic = userFeaturesTopic(version);
    const value = await serde.encode(
      topic,
      'UserFeatures',
      userFeaturesRecord(id, s, { version, as_of: clock, updated_at: now }),
    );
    return { topic, key: id, value };
  },
};
