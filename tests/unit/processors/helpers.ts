import type { Interaction } from '../../../schemas/types.js';
import type { EntityState } from '../../../sinks/redis/feature-state.js';
import type { EntitySpec } from '../../../processors/runtime/entity-spec.js';
import type { CatalogJoin } from '../../../processors/features/apply.js';
import { planBatch, type BatchPlan, type LoadedState } from '../../../processors/runtime/plan.js';
import type { DecodedRecord, InputRecord, Provenance } from '../../../processors/runtime/records.js';

export const T0 = Date.UTC(2024, 0, 10, 12, 0, 0);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

let counter = 0;

export function event(fields: Partial<Interaction> = {}): Interaction {
  counter++;
  return {
    event_id: `e${counter}`,
    user_id: 'u1',
    item_id: 'i1',
    event_type: 'view',
    rating: null,
    event_time: T0,
    session_id: null,
    device_type: null,
    page_context: null,
    price: null,
    source: 'test',
    ingest_time: T0,
    ...fields,
  };
}

const noProvenance: Provenance = { version: null, originPartition: null, originOffset: null };

export function records(
  events: Interaction[],
  firstOffset = 0,
  provenance: Partial<Provenance>[] = [],
): DecodedRecord[] {
  return events.map((e, i) => ({
    kind: 'event',
    offset: firstOffset + i,
    event: e,
    raw: Buffer.alloc(0),
    provenance: { ...noProvenance, ...provenance[i] },
  }));
}

/**
 * An in-memory stand-in for the Redis side of a partition, for testing the pure batch logic:
 * stored states (through the real hash codec), seen sets, dedupe ids, clock, offset.
 */
export class MemoryPartitionStore<S extends EntityState> {
  readonly hashes = new Map<string, Record<string, Buffer>>();
  readonly seen = new Map<string, Set<string>>();
  readonly dedupe = new Map<string, number>();
  clock: number | null = null;
  storedOffset = -1;
  origin = new Map<number, number>();

  constructor(
    readonly spec: EntitySpec<S>,
    readonly options: {
      version?: string;
      horizonMs?: number;
      join?: (item: string) => CatalogJoin | undefined;
      repartitioned?: boolean;
    } = {},
  ) {}

  load(input: readonly InputRecord[]): LoadedState<S> {
    const states = new Map<string, S | null>();
    const seen = new Map<string, Set<string>>();
    const known = new Map<string, number>();
    for (const r of input) {
      if (r.kind !== 'event') continue;
      const time = this.dedupe.get(r.event.event_id);
      if (time !== undefined) known.set(r.event.event_id, time);
      const id = this.spec.entityId(r.event);
      const hash = this.hashes.get(id);
      states.set(id, hash ? this.spec.decodeState(hash) : null);
      const stored = this.seen.get(id) ?? new Set<string>();
      const s = seen.get(id) ?? new Set<string>();
      for (const m of this.spec.seenCandidates(r.event)) if (stored.has(m)) s.add(m);
      seen.set(id, s);
    }
    return {
      storedOffset: this.storedOffset,
      clock: this.clock,
      knownEventIds: known,
      states,
      seen,
      origin: this.origin,
    };
  }

  apply(input: readonly InputRecord[], now = T0): BatchPlan<S> {
    const plan = planBatch(input, this.load(input), {
      spec: this.spec,
      version: this.options.version ?? 'v1',
      dedupeHorizonMs: this.options.horizonMs ?? 30 * DAY,
      now,
      join: this.options.join,
      repartitioned: this.options.repartitioned ?? false,
    });
    for (const [id, entity] of plan.entities) {
      const fields = this.spec.encodeState(entity.state);
      const hash: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(fields)) hash[k] = Buffer.isBuffer(v) ? v : Buffer.from(v);
      this.hashes.set(id, hash);
      const set = this.seen.get(id) ?? new Set<string>();
      for (const m of entity.seen.newMembers()) set.add(m);
      this.seen.set(id, set);
    }
    for (const d of plan.dedupeAdds) this.dedupe.set(d.eventId, d.time);
    if (plan.dedupePruneAtOrBelow !== null) {
      for (const [id, t] of this.dedupe) if (t <= plan.dedupePruneAtOrBelow) this.dedupe.delete(id);
    }
    if (plan.clock !== null && (this.clock === null || plan.clock > this.clock)) this.clock = plan.clock;
    if (plan.lastOffset > this.storedOffset) this.storedOffset = plan.lastOffset;
    this.origin = plan.origin;
    return plan;
  }

  state(id: string): S | null {
    const hash = this.hashes.get(id);
    return hash ? this.spec.decodeState(hash) : null;
  }
}
