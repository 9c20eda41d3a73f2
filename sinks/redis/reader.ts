import type { Redis } from 'ioredis';
import type {
  ItemFeatureValues,
  ItemFeatures,
  UserFeatureValues,
  UserFeatures,
} from '../../schemas/types.js';
import { itemValuesOf, userValuesOf, type EntityInput } from './feature-values.js';
import { CLOCK_MEMBER, KEY_ROOT, keys, type EntityKind } from './keys.js';
import { LuaScript } from './script.js';
import { itemInputOf, userInputOf } from './state-view.js';

/**
 * Feature lookups for the API, the CLI and tests: the features of many entities in one round
 * trip, with windowed values evaluated against the version's current pipeline clock (so an hour
 * without events for a user, while the clock moves on, shows smaller 1h counts). One Lua script
 * resolves the version (the active pointer unless one is named), reads the clock and every hash
 * atomically: a lookup never mixes two versions or two moments.
 *
 * Per entity the work is a view over the stored blob (state-view.ts): a dozen number loads and
 * binary searches for the windows, and only for the features asked for. The script returns each
 * hash as Redis' flat field/value list, which is what the views read, so no intermediate object
 * is built.
 *
 * Lookups made in the same turn of the event loop (the concurrent requests of an API) share one
 * script call per kind and version: one command for Redis to parse and run instead of one per
 * lookup. Each lookup still sees one version and one clock, those of the call it rode in.
 */

const READ_SCRIPT = new LuaScript(`
local version = ARGV[1]
if version == '' then
  version = redis.call('GET', '${keys.activeVersion}')
  if not version then return {false, false} end
end
local prefix = '${KEY_ROOT}:' .. version .. ':' .. ARGV[2] .. ':'
local out = {version, redis.call('ZSCORE', '${KEY_ROOT}:' .. version .. ':clock', '${CLOCK_MEMBER}')}
for i = 3, #ARGV do
  out[#out + 1] = redis.call('HGETALL', prefix .. ARGV[i])
end
return out
`);

/** Ids per script call when lookups are combined; one lookup larger than this still goes whole. */
const MAX_IDS_PER_CALL = 1_000;

export interface ReadOptions<F extends string> {
  /** A version to read; default: the active version. */
  version?: string;
  /** Only these fields (the id is always included); default: every field. */
  fields?: readonly F[];
}

/** The features of one entity as stored at one moment. */
export interface EntityValues<V> {
  /** The clock the windowed values were evaluated at. */
  as_of: number;
  /** Wall time the state was last written. */
  updated_at: number;
  features: V;
}

export interface ValuesRead<V> {
  /** The version read; null when none is active (and none was named). */
  version: string | null;
  /** Per id, in order: its values, or null when the entity is unknown. */
  entries: (EntityValues<V> | null)[];
}

export interface FeatureReader {
  readUserFeatures<F extends keyof UserFeatures = keyof UserFeatures>(
    ids: readonly string[],
    options?: ReadOptions<F>,
  ): Promise<(Pick<UserFeatures, F | 'user_id'> | null)[]>;
  readItemFeatures<F extends keyof ItemFeatures = keyof ItemFeatures>(
    ids: readonly string[],
    options?: ReadOptions<F>,
  ): Promise<(Pick<ItemFeatures, F | 'item_id'> | null)[]>;
  /**
   * The feature values alone (what the API answers), computing only `fields` when given.
   * The records above are these plus the id and header fields.
   */
  readUserValues<F extends keyof UserFeatureValues = keyof UserFeatureValues>(
    ids: readonly string[],
    options?: ReadOptions<F>,
  ): Promise<ValuesRead<Pick<UserFeatureValues, F>>>;
  readItemValues<F extends keyof ItemFeatureValues = keyof ItemFeatureValues>(
    ids: readonly string[],
    options?: ReadOptions<F>,
  ): Promise<ValuesRead<Pick<ItemFeatureValues, F>>>;
  /** The version reads resolve to right now (null when none is active), and its clock. */
  resolveVersion(version?: string): Promise<{ version: string | null; clock: number | null }>;
}

/** What one lookup gets from a script call: its slice of the reply. */
interface Snapshot {
  version: string | null;
  clock: number | null;
  /** The script's reply: version, clock, then one flat HGETALL reply per id of the call. */
  reply: Buffer[][];
  /** Where this lookup's ids start in the reply (after version and clock). */
  first: number;
}

interface Pending {
  ids: readonly string[];
  resolve(snapshot: Snapshot): void;
  reject(err: unknown): void;
}

interface Group {
  kind: EntityKind;
  version: string;
  pending: Pending[];
}

/**
 * Combines the lookups of one event-loop turn into one script call per (kind, version), flushed
 * by setImmediate: after the poll phase has delivered every request that arrived together.
 */
class ScriptBatcher {
  private groups = new Map<string, Group>();
  private scheduled = false;

  constructor(private readonly redis: Redis) {}

  read(kind: EntityKind, ids: readonly string[], version: string | undefined): Promise<Snapshot> {
    return new Promise((resolve, reject) => {
      const v = version ?? '';
      const key = `${kind}\u0000${v}`;
      let group = this.groups.get(key);
      if (!group) this.groups.set(key, (group = { kind, version: v, pending: [] }));
      group.pending.push({ ids, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const groups = this.groups;
    this.groups = new Map();
    this.scheduled = false;
    for (const group of groups.values()) {
      let call: Pending[] = [];
      let size = 0;
      for (const p of group.pending) {
        if (call.length > 0 && size + p.ids.length > MAX_IDS_PER_CALL) {
          this.send(group, call);
          call = [];
          size = 0;
        }
        call.push(p);
        size += p.ids.length;
      }
      if (call.length > 0) this.send(group, call);
    }
  }

  private send(group: Group, call: Pending[]): void {
    const args: string[] = [group.version, group.kind];
    for (const p of call) for (let i = 0; i < p.ids.length; i++) args.push(p.ids[i]!);
    READ_SCRIPT.runBuffer(this.redis, [], args).then(
      (raw) => {
        const reply = raw as Buffer[][];
        const head = reply as unknown as [Buffer | null, Buffer | null];
        const version = head[0] ? head[0].toString() : null;
        const clock = head[1] ? Number(head[1].toString()) : null;
        let first = 2;
        for (const p of call) {
          p.resolve({ version, clock, reply, first });
          first += p.ids.length;
        }
      },
      (err: unknown) => {
        for (const p of call) p.reject(err);
      },
    );
  }
}

const HEADER = new Set<string>(['version', 'as_of', 'updated_at']);

/** The feature names among `fields` (header and id fields left out); undefined: all of them. */
function featureNames<N extends string>(fields: readonly string[] | undefined, id: string): N[] | undefined {
  if (fields === undefined) return undefined;
  return fields.filter((f) => !HEADER.has(f) && f !== id) as N[];
}

function valuesOf<In extends EntityInput, V>(
  snap: Snapshot,
  count: number,
  inputOf: (flat: Buffer[]) => In | null,
  evaluate: (input: In, clock: number) => V,
): ValuesRead<V> {
  const entries = new Array<EntityValues<V> | null>(count);
  if (snap.version === null) return { version: null, entries: entries.fill(null) };
  for (let i = 0; i < count; i++) {
    const input = inputOf(snap.reply[snap.first + i]!);
    if (input === null) {
      entries[i] = null;
      continue;
    }
    const asOf = snap.clock ?? input.lastEventTime;
    entries[i] = { as_of: asOf, updated_at: input.updatedAt, features: evaluate(input, asOf) };
  }
  return { version: snap.version, entries };
}

/** Flat records (id, header, features) from values; only `fields` (and the id) when given. */
function recordsOf<R>(
  ids: readonly string[],
  read: ValuesRead<object>,
  idField: 'user_id' | 'item_id',
  fields: readonly string[] | undefined,
): (R | null)[] {
  return read.entries.map((e, i) => {
    if (e === null) return null;
    const header: Record<string, unknown> = {
      version: read.version,
      as_of: e.as_of,
      updated_at: e.updated_at,
    };
    const values = e.features as Record<string, unknown>;
    if (fields === undefined) {
      values[idField] = ids[i];
      values.version = header.version;
      values.as_of = header.as_of;
      values.updated_at = header.updated_at;
      return values as R;
    }
    const out: Record<string, unknown> = { [idField]: ids[i] };
    for (const f of fields) if (f !== idField) out[f] = HEADER.has(f) ? header[f] : values[f];
    return out as R;
  });
}

export function createFeatureReader(redis: Redis): FeatureReader {
  const batcher = new ScriptBatcher(redis);

  async function userValues<F extends keyof UserFeatureValues>(
    ids: readonly string[],
    version: string | undefined,
    names: readonly F[] | undefined,
  ): Promise<ValuesRead<Pick<UserFeatureValues, F>>> {
    if (ids.length === 0) return { version: null, entries: [] };
    const snap = await batcher.read('user', ids, version);
    return valuesOf(snap, ids.length, userInputOf, (input, clock) => userValuesOf(input, clock, names));
  }

  async function itemValues<F extends keyof ItemFeatureValues>(
    ids: readonly string[],
    version: string | undefined,
    names: readonly F[] | undefined,
  ): Promise<ValuesRead<Pick<ItemFeatureValues, F>>> {
    if (ids.length === 0) return { version: null, entries: [] };
    const snap = await batcher.read('item', ids, version);
    return valuesOf(snap, ids.length, itemInputOf, (input, clock) => itemValuesOf(input, clock, names));
  }

  return {
    async readUserFeatures(ids, options = {}) {
      const names = featureNames<keyof UserFeatureValues>(options.fields, 'user_id');
      const read = await userValues(ids, options.version, names);
      return recordsOf(ids, read, 'user_id', options.fields);
    },
    async readItemFeatures(ids, options = {}) {
      const names = featureNames<keyof ItemFeatureValues>(options.fields, 'item_id');
      const read = await itemValues(ids, options.version, names);
      return recordsOf(ids, read, 'item_id', options.fields);
    },
    readUserValues: (ids, options = {}) => userValues(ids, options.version, options.fields),
    readItemValues: (ids, options = {}) => itemValues(ids, options.version, options.fields),
    async resolveVersion(version) {
      const { version: resolved, clock } = await batcher.read('user', [], version);
      return { version: resolved, clock };
    },
  };
}
