import { loadConfig } from '../../lib/config.js';
import { connectRedisOnce } from '../../lib/redis.js';
import type { ItemFeatures, UserFeatures } from '../../schemas/types.js';
import { createFeatureReader } from '../../sinks/redis/reader.js';
import { fieldNames } from '../../schemas/avro.js';
import { requireRedisUrl } from './common.js';

/** `recostream features user|item <id...>`: one reader round trip, printed as JSON. */
export async function lookUpFeatures(
  kind: 'user' | 'item',
  ids: string[],
  opts: { version?: string; fields?: string },
): Promise<void> {
  const redis = await connectRedisOnce(requireRedisUrl(loadConfig(), 'features'), 'features');
  try {
    const reader = createFeatureReader(redis);
    const fields = opts.fields
      ?.split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    const known = fieldNames(kind === 'user' ? 'UserFeatures' : 'ItemFeatures');
    const unknown = fields?.filter((f) => !known.includes(f)) ?? [];
    if (unknown.length > 0)
      throw new Error(`unknown field(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
    const records =
      kind === 'user'
        ? await reader.readUserFeatures(ids, {
            version: opts.version,
            fields: fields as (keyof UserFeatures)[],
          })
        : await reader.readItemFeatures(ids, {
            version: opts.version,
            fields: fields as (keyof ItemFeatures)[],
          });
    process.stdout.write(`${JSON.stringify(ids.length === 1 ? records[0] : records, null, 2)}\n`);
    const missing = ids.filter((_, i) => records[i] === null);
    if (missing.length > 0) {
      // stdout stays the JSON a script parses; why an entry is null goes to stderr.
      const { version } = await reader.resolveVersion(opts.version);
      const reason =
        version === null
          ? 'no feature version is active yet'
          : `no features in version ${version} (no event of this ${kind} has been processed)`;
      process.stderr.write(`${kind} ${missing.map((id) => JSON.stringify(id)).join(', ')}: ${reason}\n`);
    }
    if (records.every((r) => r === null)) process.exitCode = 1;
  } finally {
    redis.disconnect();
  }
}
