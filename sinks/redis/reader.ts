import type { Redis } from 'ioredis';
import type { ItemFeatures, UserFeatures } from '../../schemas/types.js';
import { itemRecord, userRecord, type RecordHeader } from './feature-values.js';
import { CLOCK_MEMBER, KEY_ROOT, keys, type EntityKind } from './keys.js';
import { LuaScript } from './script.js';
import { itemInputOf, userInputOf } from './state-view.js';

/**
 * Feature lookups for the API, the CLI and tests: the full UserFeatures / ItemFeatures of many
 * entities in one round trip, with windowed values evaluated against the version's current
 * pipeline clock (so an hour without events for a user, while the clock moves on, shows smaller
 * 1h counts). One Lua script resolves the version (the active pointer unless one is named), reads
 * the clock and every hash atomically: a lookup never mixes two versions or two moments.
 *
 * Per entity the work is a view over the stored blob (state-view.ts): a dozen number loads and
 * binary searches for the windows. The script returns each hash as Redis' flat field/value list,
 * which is what the views read, so no intermediate object is built.
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

export interface ReadOptions<F extends string> {
  /** A version to read; default: the active version. */
  version?: string;
  /** Only these fields (the id is always included); default: every field. */
  fields?: readonly F[];
}

type ScriptReply = [Buffer | null, Buffer | null, ...Buffer[][]];

export interface FeatureReader {
  readUserFeatures<F extends keyof UserFeatures = keyof UserFeatures>(
    ids: readonly string[],
    options?: ReadOptions<F>,
  ): Promise<(Pick<UserFeatures, F | 'user_id'> | null)[]>;
  readItemFeatures<F extends keyof ItemFeatures = keyof ItemFeatures>(
    ids: readonly string[],
    options?: ReadOptions<F>,
  ): Promise<(Pick<ItemFeatures, F | 'item_id'> | null)[]>;
  /** The version reads resolve to right now (null when none is active), and its clock. */
  resolveVersion(version?: string): Promise<{ version: string | null; clock: number | null }>;
}

/** The record itself, or only the requested fields and the id. */
function project<T extends object, F extends keyof T, I extends keyof T>(
  value: T,
  fields: readonly F[] | undefined,
  id: I,
): Pick<T, F | I> {
  if (!fields) return value;
  const out = { [id]: value[id] } as Pick<T, F | I>;
  for (const f of fields) (out as Pick<T, F>)[f] = value[f];
  return out;
}

interface Snapshot {
  version: string | null;
  clock: number | null;
  /** The script's reply: version, clock, then one flat HGETALL reply per id. */
  reply: ScriptReply;
}

/** Each id's record from a snapshot of `version`: its input view, evaluated at the snapshot's clock. */
function recordsOf<In extends { lastEventTime: number; updatedAt: number }, R>(
  ids: readonly string[],
  version: string,
  snap: Snapshot,
  inputOf: (flat: Buffer[]) => In | null,
  toRecord: (id: string, input: In, header: RecordHeader) => R,
): (R | null)[] {
  const out = new Array<R | null>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const input = inputOf(snap.reply[i + 2] as Buffer[]);
    out[i] =
      input === null
        ? null
        : toRecord(ids[i]!, input, {
            version,
            as_of: snap.clock ?? input.lastEventTime,
            updated_at: input.updatedAt,
          });
  }
  return out;
}

export function createFeatureReader(redis: Redis): FeatureReader {
  async function run(
    kind: EntityKind,
    ids: readonly string[],
    version: string | undefined,
  ): Promise<Snapshot> {
    const reply = (await READ_SCRIPT.runBuffer(redis, [], [version ?? '', kind, ...ids])) as ScriptReply;
    return {
      version: reply[0] ? reply[0].toString() : null,
      clock: reply[1] ? Number(reply[1].toString()) : null,
      reply,
    };
  }

  return {
    async readUserFeatures(ids, options = {}) {
      if (ids.length === 0) return [];
      const snap = await run('user', ids, options.version);
      if (snap.version === null) return ids.map(() => null);
      const { fields } = options;
      return recordsOf(ids, snap.version, snap, userInputOf, (id, input, header) =>
        project(userRecord(id, input, header), fields, 'user_id'),
      );
    },
    async readItemFeatures(ids, options = {}) {
      if (ids.length === 0) return [];
      const snap = await run('item', ids, options.version);
      if (snap.version === null) return ids.map(() => null);
      const { fields } = options;
      return recordsOf(ids, snap.version, snap, itemInputOf, (id, input, header) =>
        project(itemRecord(id, input, header), fields, 'item_id'),
      );
    },
    async resolveVersion(version) {
      const { version: resolved, clock } = await run('user', [], version);
      return { version: resolved, clock };
    },
  };
}
