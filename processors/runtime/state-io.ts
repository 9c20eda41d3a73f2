import type { Redis } from 'ioredis';
import type { EntityState } from '../../sinks/redis/feature-state.js';
import { CLOCK_MEMBER, keys } from '../../sinks/redis/keys.js';
import { FORMAT1_FIELDS } from '../../sinks/redis/legacy-state.js';
import { hashFormat, type RawHash } from '../../sinks/redis/state-codec.js';
import type { EntitySpec } from './entity-spec.js';
import type { BatchPlan, LoadedState } from './plan.js';
import type { InputRecord } from './records.js';

/**
 * The two Redis round trips of a batch. Load: WATCH the partition's offset key, then read the
 * stored offset, the clock, the dedupe ids, every entity's hash and seen-set answers — one
 * pipeline. Write: one MULTI/EXEC with the new state, the indexes derived from it, dedupe ids,
 * clock, and the offset. If
 * anyone wrote the offset key in between (another owner of the partition after a rebalance), EXEC
 * aborts and nothing is applied.
 *
 * Both run on a dedicated connection (WATCH is per connection) that fails fast while Redis is
 * down, so the caller can back off instead of queueing commands.
 */

export interface PartitionRef {
  version: string;
  topic: string;
  partition: number;
}

/** A connection reserved for WATCH/MULTI; `epoch` changes on every disconnect (WATCH is lost). */
export class TxConnection {
  epoch = 0;

  constructor(readonly redis: Redis) {
    redis.on('close', () => {
      this.epoch++;
    });
  }
}

export interface Loaded<S extends EntityState> {
  state: LoadedState<S>;
  epoch: number;
  /** Entities stored in state format 1: their old fields are removed when they are rewritten. */
  format1Ids: ReadonlySet<string>;
}

function check<T>(entry: [Error | null, unknown] | undefined): T {
  if (!entry) throw new Error('redis pipeline returned fewer replies than commands');
  if (entry[0]) throw entry[0];
  return entry[1] as T;
}

export async function loadState<S extends EntityState>(
  tx: TxConnection,
  spec: EntitySpec<S>,
  ref: PartitionRef,
  records: readonly InputRecord[],
  repartitioned: boolean,
): Promise<Loaded<S>> {
  const { version, topic, partition } = ref;
  const offsetKey = keys.offset(version, spec.processor, topic, partition);
  const eventIds: string[] = [];
  const candidates = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.kind !== 'event') continue;
    eventIds.push(r.event.event_id);
    const id = spec.entityId(r.event);
    let set = candidates.get(id);
    if (!set) candidates.set(id, (set = new Set()));
    for (const member of spec.seenCandidates(r.event)) set.add(member);
  }
  const epoch = tx.epoch;
  const p = tx.redis.pipeline();
  p.watch(offsetKey);
  p.get(offsetKey);
  p.zscore(keys.clock(version), CLOCK_MEMBER);
  if (eventIds.length > 0) p.zmscore(keys.dedupe(version, spec.processor), ...eventIds);
  if (repartitioned) p.hgetall(keys.origin(version, spec.processor, topic, partition));
  const entityIds = [...candidates.keys()];
  for (const id of entityIds) {
    p.hgetallBuffer(keys.entity(version, spec.kind, id));
    p.smismember(keys.seen(version, spec.kind, id), ...candidates.get(id)!);
  }
  const replies = (await p.exec()) ?? [];

  let at = 1;
  const storedRaw = check<string | null>(replies[at++]);
  const clockRaw = check<string | null>(replies[at++]);
  const knownEventIds = new Map<string, number>();
  if (eventIds.length > 0) {
    const scores = check<(string | null)[]>(replies[at++]);
    scores.forEach((score, i) => {
      if (score !== null) knownEventIds.set(eventIds[i]!, Number(score));
    });
  }
  const origin = new Map<number, number>();
  if (repartitioned) {
    const raw = check<Record<string, string>>(replies[at++]);
    for (const [p, o] of Object.entries(raw)) origin.set(Number(p), Number(o));
  }
  const states = new Map<string, S | null>();
  const seen = new Map<string, Set<string>>();
  const format1Ids = new Set<string>();
  for (const id of entityIds) {
    const hash = check<RawHash>(replies[at++]);
    if (hashFormat(hash) === 1) format1Ids.add(id);
    states.set(id, spec.decodeState(hash));
    const flags = check<number[]>(replies[at++]);
    const asked = [...candidates.get(id)!];
    seen.set(id, new Set(asked.filter((_, i) => flags[i] === 1)));
  }
  return {
    epoch,
    format1Ids,
    state: {
      storedOffset: storedRaw === null ? -1 : Number(storedRaw),
      clock: clockRaw === null ? null : Number(clockRaw),
      knownEventIds,
      states,
      seen,
      origin,
    },
  };
}

/** 'applied', or 'conflict' when the WATCHed offset moved (or the connection dropped) since the load. */
export async function writeState<S extends EntityState>(
  tx: TxConnection,
  spec: EntitySpec<S>,
  ref: PartitionRef,
  plan: BatchPlan<S>,
  loadedEpoch: number,
  format1Ids: ReadonlySet<string> = new Set(),
): Promise<'applied' | 'conflict'> {
  const { version, topic, partition } = ref;
  if (tx.epoch !== loadedEpoch) return 'conflict';
  const m = tx.redis.multi();
  for (const [id, entity] of plan.entities) {
    const key = keys.entity(version, spec.kind, id);
    if (format1Ids.has(id)) m.hdel(key, ...FORMAT1_FIELDS);
    m.hset(key, spec.encodeState(entity.state));
    const added = entity.seen.newMembers();
    if (added.length > 0) m.sadd(keys.seen(version, spec.kind, id), ...added);
  }
  spec.writeIndexes(m, version, plan);
  const dedupeKey = keys.dedupe(version, spec.processor);
  if (plan.dedupeAdds.length > 0) {
    const args: (string | number)[] = [];
    for (const d of plan.dedupeAdds) args.push(d.time, d.eventId);
    m.zadd(dedupeKey, ...args);
  }
  if (plan.dedupePruneAtOrBelow !== null) m.zremrangebyscore(dedupeKey, '-inf', plan.dedupePruneAtOrBelow);
  if (plan.clock !== null) m.zadd(keys.clock(version), 'GT', plan.clock, CLOCK_MEMBER);
  m.set(keys.offset(version, spec.processor, topic, partition), String(plan.lastOffset));
  if (plan.originChanged) {
    const fields: Record<string, string> = {};
    for (const [p, o] of plan.origin) fields[String(p)] = String(o);
    m.hset(keys.origin(version, spec.processor, topic, partition), fields);
  }
  const replies = await m.exec();
  if (replies === null) return 'conflict';
  for (const [err] of replies) if (err) throw err;
  return 'applied';
}

/** Releases the WATCH when a batch is abandoned before its write. */
export async function unwatch(tx: TxConnection): Promise<void> {
  await tx.redis.unwatch().catch(() => undefined);
}
