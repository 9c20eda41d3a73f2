import type { EntityState } from '../../sinks/redis/feature-state.js';
import type { CatalogJoin } from '../features/apply.js';
import { SeenSet } from '../features/seen-set.js';
import type { EntitySpec } from './entity-spec.js';
import type { DecodedRecord, InputRecord, RejectedRecord } from './records.js';

/**
 * The pure heart of a batch: given the records of one partition (in offset order) and the state
 * loaded for them, decide what applies and compute the new state. No I/O, so the skipping rules
 * (offsets, duplicates, foreign versions, re-produced copies) are unit-tested directly.
 */

/** What the load round trip returned. */
export interface LoadedState<S extends EntityState> {
  /** Last offset of this input partition already applied; -1 when none. */
  storedOffset: number;
  clock: number | null;
  /** event_ids of the batch found in the dedupe set, with the event_time they were applied with. */
  knownEventIds: ReadonlyMap<string, number>;
  /** Stored state per entity of the batch (null: never seen). */
  states: ReadonlyMap<string, S | null>;
  /** Per entity, the candidate seen-set members already stored. */
  seen: ReadonlyMap<string, ReadonlySet<string>>;
  /** Origin partition -> highest origin offset applied (item processor). */
  origin: ReadonlyMap<number, number>;
}

export interface PlanOptions<S extends EntityState> {
  spec: EntitySpec<S>;
  version: string;
  /** Dedupe ids are kept while their event_time > clock - horizon. */
  dedupeHorizonMs: number;
  now: number;
  /** Catalog lookup at processing time (user processor). */
  join?: (itemId: string) => CatalogJoin | undefined;
  /** Apply only records tagged with this processor's version, once per origin offset (item processor). */
  repartitioned: boolean;
}

export interface ChangedEntity<S extends EntityState> {
  state: S;
  seen: SeenSet;
}

export interface BatchPlan<S extends EntityState> {
  lastOffset: number;
  /** Applied events in offset order. */
  applied: DecodedRecord[];
  /** Rejections above the stored offset (not dead-lettered before). */
  rejected: RejectedRecord[];
  skipped: { belowStoredOffset: number; duplicate: number; otherVersion: number; reproduced: number };
  /** Clock after the batch (null: no event ever applied in this version). */
  clock: number | null;
  entities: Map<string, ChangedEntity<S>>;
  dedupeAdds: { eventId: string; time: number }[];
  /** Remove dedupe ids with event_time <= this (null: nothing to prune). */
  dedupePruneAtOrBelow: number | null;
  origin: Map<number, number>;
  originChanged: boolean;
  /** event_time of the last applied event (freshness). */
  lastAppliedEventTime: number | null;
}

export function planBatch<S extends EntityState>(
  records: readonly InputRecord[],
  loaded: LoadedState<S>,
  opts: PlanOptions<S>,
): BatchPlan<S> {
  const { spec } = opts;
  const plan: BatchPlan<S> = {
    lastOffset: records.length > 0 ? records[records.length - 1]!.offset : loaded.storedOffset,
    applied: [],
    rejected: [],
    skipped: { belowStoredOffset: 0, duplicate: 0, otherVersion: 0, reproduced: 0 },
    clock: loaded.clock,
    entities: new Map(),
    dedupeAdds: [],
    dedupePruneAtOrBelow: null,
    origin: new Map(loaded.origin),
    originChanged: false,
    lastAppliedEventTime: null,
  };
  const idsInBatch = new Set<string>();
  // An applied id is recognised while its event_time is within the horizon behind the clock
  // (as of the batch start); the set is pruned lazily, so entries past it are ignored here.
  const recognisedAfter =
    loaded.clock === null ? Number.NEGATIVE_INFINITY : loaded.clock - opts.dedupeHorizonMs;
  const alreadyApplied = (eventId: string) => {
    const time = loaded.knownEventIds.get(eventId);
    return time !== undefined && time > recognisedAfter;
  };

  for (const record of records) {
    if (record.offset <= loaded.storedOffset) {
      plan.skipped.belowStoredOffset++;
      continue;
    }
    if (record.kind === 'rejected') {
      plan.rejected.push(record);
      continue;
    }
    if (opts.repartitioned) {
      const { version, originPartition, originOffset } = record.provenance;
      if (version !== null && version !== opts.version) {
        plan.skipped.otherVersion++;
        continue;
      }
      if (originPartition !== null && originOffset !== null) {
        const highest = plan.origin.get(originPartition);
        if (highest !== undefined && originOffset <= highest) {
          plan.skipped.reproduced++;
          continue;
        }
        plan.origin.set(originPartition, originOffset);
        plan.originChanged = true;
      }
    }
    const e = record.event;
    if (idsInBatch.has(e.event_id) || alreadyApplied(e.event_id)) {
      plan.skipped.duplicate++;
      continue;
    }
    idsInBatch.add(e.event_id);

    const id = spec.entityId(e);
    let entity = plan.entities.get(id);
    if (!entity) {
      entity = {
        state: loaded.states.get(id) ?? spec.emptyState(),
        seen: new SeenSet(loaded.seen.get(id) ?? new Set()),
      };
      plan.entities.set(id, entity);
    }
    spec.apply(entity.state, e, entity.seen, opts.join?.(e.item_id));
    plan.applied.push(record);
    plan.lastAppliedEventTime = e.event_time;
    if (plan.clock === null || e.event_time > plan.clock) plan.clock = e.event_time;
  }

  if (plan.clock !== null) {
    const clock = plan.clock;
    for (const entity of plan.entities.values()) spec.finish(entity.state, clock, opts.now);
    const horizon = clock - opts.dedupeHorizonMs;
    for (const r of plan.applied) {
      if (r.event.event_time > horizon)
        plan.dedupeAdds.push({ eventId: r.event.event_id, time: r.event.event_time });
    }
    plan.dedupePruneAtOrBelow = horizon;
  }
  return plan;
}
