import type { ChainableCommander, Redis } from 'ioredis';
import type { AvroSerde } from '../../schemas/serde.js';
import type { Interaction } from '../../schemas/types.js';
import type { EntityState } from '../../sinks/redis/feature-state.js';
import type { EntityKind, ProcessorName } from '../../sinks/redis/keys.js';
import type { HashFields, RawHash } from '../../sinks/redis/state-codec.js';
import type { CatalogJoin } from '../features/apply.js';
import type { SeenSet } from '../features/seen-set.js';
import type { BatchPlan } from './plan.js';

/** An encoded record ready to produce. */
export interface OutputMessage {
  topic: string;
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

/**
 * What distinguishes the user and item processors for the shared batch runtime: which entity an
 * event belongs to, how its state is stored and changed, and how its feature record looks.
 */
export interface EntitySpec<S extends EntityState> {
  processor: ProcessorName;
  kind: EntityKind;
  inputTopic: string;
  /** The field that keys the input topic (and names the entity). */
  keyField: 'user_id' | 'item_id';
  entityId(e: Interaction): string;
  /** Seen-set members an event may add (checked with SMISMEMBER when the batch loads). */
  seenCandidates(e: Interaction): string[];
  emptyState(): S;
  decodeState(hash: RawHash): S | null;
  encodeState(s: S): HashFields;
  apply(s: S, e: Interaction, seen: SeenSet, join: CatalogJoin | undefined): void;
  /**
   * Queues the writes of the kind's indexes (docs/REDIS.md, "Indexes") on the batch's MULTI, so
   * they commit with the states they derive from, or not at all.
   */
  writeIndexes(m: ChainableCommander, version: string, plan: BatchPlan<S>): void;
  /**
   * At start, before the first batch: completes the kind's indexes in a version whose store
   * predates them, where they can be derived from the stored states. Returns what was done (for
   * the log), or null when there was nothing to do.
   */
  prepareIndexes?(redis: Redis, version: string): Promise<string | null>;
  /** After the batch's events: sort and prune time lists, stamp the write time. */
  finish(s: S, clock: number, now: number): void;
  /** The feature record of the entity as of `clock`, encoded for its feature topic. */
  encodeFeatureRecord(
    serde: AvroSerde,
    version: string,
    id: string,
    s: S,
    clock: number,
    now: number,
  ): Promise<OutputMessage>;
}
