import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../errors.js';
import { EntityId, FeatureVersion, bearerSecurity, errorResponses } from '../http-schemas/common.js';
import {
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
 * (one round trip, one consistent moment). `fields` goes down to the reader, which computes only
 * those features; its values object is the response's `features` as it is (no copy). The
 * response is serialized by its schema.
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
      const names =
        fields === undefined
          ? undefined
          : (parseFieldList(fields, USER_NAMES, 'fields') as UserFeatureName[]);
      const read = await features.readUserValues([id], { version, fields: names });
      const entry = read.entries[0];
      if (!entry) throw notFound('user', id, version);
      const body: UserFeaturesBody = {
        user_id: id,
        version: read.version!,
        as_of: entry.as_of,
        updated_at: entry.updated_at,
        features: entry.features,
      };
      return body;
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
      const names =
        fields === undefined
          ? undefined
          : (parseFieldList(fields, ITEM_NAMES, 'fields') as ItemFeatureName[]);
      const read = await features.readItemValues([id], { version, fields: names });
      const entry = read.entries[0];
      if (!entry) throw notFound('item', id, version);
      const body: ItemFeaturesBody = {
        item_id: id,
        version: read.version!,
        as_of: entry.as_of,
        updated_at: entry.updated_at,
        features: entry.features,
      };
      return body;
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
      let userNames: UserFeatureName[] | undefined;
      let itemNames: ItemFeatureName[] | undefined;
      if (request.body.fields) {
        const names = parseFieldList(request.body.fields.join(','), ALL_NAMES, 'fields');
        userNames = names.filter((n) => USER_NAMES.has(n)) as UserFeatureName[];
        itemNames = names.filter((n) => ITEM_NAMES.has(n)) as ItemFeatureName[];
      }
      // Both reads ride in the same script call batch (one round trip).
      const [userRead, itemRead] = await Promise.all([
        features.readUserValues(users, { version, fields: userNames }),
        features.readItemValues(items, { version, fields: itemNames }),
      ]);
      return {
        users: userRead.entries.map((e, i) =>
          e
            ? {
                user_id: users[i]!,
                version: userRead.version!,
                as_of: e.as_of,
                updated_at: e.updated_at,
                features: e.features,
                found: true as const,
              }
            : { user_id: users[i]!, found: false as const },
        ),
        items: itemRead.entries.map((e, i) =>
          e
            ? {
                item_id: items[i]!,
                version: itemRead.version!,
                as_of: e.as_of,
                updated_at: e.updated_at,
                features: e.features,
                found: true as const,
              }
            : { item_id: items[i]!, found: false as const },
        ),
      };
    },
  );
};
