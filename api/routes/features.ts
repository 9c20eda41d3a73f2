import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ItemFeatures, UserFeatures } from '../../schemas/types.js';
import { ApiError } from '../errors.js';
import { EntityId, FeatureVersion, bearerSecurity, errorResponses } from '../http-schemas/common.js';
import {
  HEADER_FIELDS,
  ITEM_FEATURE_NAMES,
  ItemFeaturesSchema,
  ItemLookupEntry,
  USER_FEATURE_NAMES,
  UserFeaturesSchema,
  UserLookupEntry,
  type ItemFeatureName,
  type ItemFeaturesBody,
  type UserFeatureName,
  type UserFeaturesBody,
} from '../http-schemas/features.js';

/**
 * Feature lookups from the Redis state store. The reader evaluates windowed values against the
 * version's pipeline clock at read time and reads version, clock and every hash in one script
 * (one round trip, one consistent moment). The response is serialized by its schema.
 */

const USER_NAMES = new Set<string>(USER_FEATURE_NAMES);
const ITEM_NAMES = new Set<string>(ITEM_FEATURE_NAMES);
const ALL_NAMES = new Set<string>([...USER_FEATURE_NAMES, ...ITEM_FEATURE_NAMES]);

/** `a,b` -> ['a','b'], each a known feature; 400 naming the first unknown one. */
function parseFieldList(raw: string, known: ReadonlySet<string>, field: string): string[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0)
    throw new ApiError(400, 'validation_failed', `${field} must name at least one feature`, field);
  for (const name of names) {
    if (!known.has(name)) {
      throw new ApiError(
        400,
        'validation_failed',
        `${field}: "${name}" is not a feature (known: ${[...known].join(', ')})`,
        field,
      );
    }
  }
  return names;
}

type Flat = { [key: string]: unknown };

/** The reader's flat record -> `{ id, version, as_of, updated_at, features }`. */
function shape<B>(idField: 'user_id' | 'item_id', record: Flat, names: readonly string[]): B {
  const features: Flat = {};
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name in record) features[name] = record[name];
  }
  return {
    [idField]: record[idField],
    version: record.version,
    as_of: record.as_of,
    updated_at: record.updated_at,
    features,
  } as B;
}

const FeatureQuery = Type.Object(
  {
    fields: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description: 'comma-separated feature names (default: all)',
      }),
    ),
    version: Type.Optional(FeatureVersion),
  },
  { additionalProperties: false },
);

const LookupBody = Type.Object(
  {
    users: Type.Optional(Type.Array(EntityId, { description: 'user ids' })),
    items: Type.Optional(Type.Array(EntityId, { description: 'item ids' })),
    fields: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'feature names to return (default: all); each applies to the kinds that have it',
      }),
    ),
    version: Type.Optional(FeatureVersion),
  },
  { additionalProperties: false },
);

function notFound(kind: 'user' | 'item', id: string, version: string | undefined): ApiError {
  return new ApiError(
    404,
    'not_found',
    version
      ? `${kind} "${id}" has no features in version ${version}`
      : `${kind} "${id}" has no features (no event of this ${kind} has been processed, or no feature version is active yet)`,
    'id',
  );
}

function assertStoreReady(status: string): void {
  if (status !== 'ready') {
    throw new ApiError(503, 'unavailable', `the feature store (Redis) is unreachable (connection ${status})`);
  }
}

export const featureRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { deps, auth, settings } = app.clients;
  const { features, redis } = deps;
  const security = auth.guarded('read') ? bearerSecurity : [];

  app.get(
    '/v1/features/users/:id',
    {
      onRequest: auth.hook('read'),
      schema: {
        tags: ['features'],
        summary: 'Features of one user, windowed values evaluated at read time',
        security,
        params: Type.Object({ id: EntityId }),
        querystring: FeatureQuery,
        response: { 200: UserFeaturesSchema, ...errorResponses },
      },
    },
    async (request) => {
      assertStoreReady(redis.status);
      const { id } = request.params;
      const { fields, version } = request.query;
      const names = fields === undefined ? USER_FEATURE_NAMES : parseFieldList(fields, USER_NAMES, 'fields');
      const [record] = await features.readUserFeatures([id], {
        version,
        fields: fields === undefined ? undefined : ([...HEADER_FIELDS, ...names] as (keyof UserFeatures)[]),
      });
      if (!record) throw notFound('user', id, version);
      return shape<UserFeaturesBody>('user_id', record as Flat, names);
    },
  );

  app.get(
    '/v1/features/items/:id',
    {
      onRequest: auth.hook('read'),
      schema: {
        tags: ['features'],
        summary: 'Features of one item, windowed values evaluated at read time',
        security,
        params: Type.Object({ id: EntityId }),
        querystring: FeatureQuery,
        response: { 200: ItemFeaturesSchema, ...errorResponses },
      },
    },
    async (request) => {
      assertStoreReady(redis.status);
      const { id } = request.params;
      const { fields, version } = request.query;
      const names = fields === undefined ? ITEM_FEATURE_NAMES : parseFieldList(fields, ITEM_NAMES, 'fields');
      const [record] = await features.readItemFeatures([id], {
        version,
        fields: fields === undefined ? undefined : ([...HEADER_FIELDS, ...names] as (keyof ItemFeatures)[]),
      });
      if (!record) throw notFound('item', id, version);
      return shape<ItemFeaturesBody>('item_id', record as Flat, names);
    },
  );

  app.post(
    '/v1/features/lookup',
    {
      onRequest: auth.hook('read'),
      schema: {
        tags: ['features'],
        summary: `Features of many users and items at once (up to ${settings.maxLookupKeys} keys)`,
        security,
        body: LookupBody,
        response: {
          200: Type.Object({
            users: Type.Array(UserLookupEntry),
            items: Type.Array(ItemLookupEntry),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      assertStoreReady(redis.status);
      const { users = [], items = [], version } = request.body;
      if (users.length + items.length === 0) {
        throw new ApiError(400, 'validation_failed', 'name at least one key in users or items', 'users');
      }
      if (users.length + items.length > settings.maxLookupKeys) {
        throw new ApiError(
          400,
          'validation_failed',
          `at most ${settings.maxLookupKeys} keys per lookup (got ${users.length + items.length}); split the request`,
          users.length > 0 ? 'users' : 'items',
        );
      }
      let userNames: string[] = USER_FEATURE_NAMES;
      let itemNames: string[] = ITEM_FEATURE_NAMES;
      if (request.body.fields) {
        const names = parseFieldList(request.body.fields.join(','), ALL_NAMES, 'fields');
        userNames = names.filter((n) => USER_NAMES.has(n));
        itemNames = names.filter((n) => ITEM_NAMES.has(n));
      }
      const selected = request.body.fields !== undefined;
      // Both scripts are written to Redis in one pipeline (auto-pipelining): one round trip.
      const [userRecords, itemRecords] = await Promise.all([
        features.readUserFeatures(users, {
          version,
          fields: selected ? ([...HEADER_FIELDS, ...userNames] as (keyof UserFeatures)[]) : undefined,
        }),
        features.readItemFeatures(items, {
          version,
          fields: selected ? ([...HEADER_FIELDS, ...itemNames] as (keyof ItemFeatures)[]) : undefined,
        }),
      ]);
      return {
        users: userRecords.map((r, i) =>
          r
            ? {
                ...shape<UserFeaturesBody>('user_id', r as Flat, userNames as UserFeatureName[]),
                found: true as const,
              }
            : { user_id: users[i]!, found: false as const },
        ),
        items: itemRecords.map((r, i) =>
          r
            ? {
                ...shape<ItemFeaturesBody>('item_id', r as Flat, itemNames as ItemFeatureName[]),
                found: true as const,
              }
            : { item_id: items[i]!, found: false as const },
        ),
      };
    },
  );
};
