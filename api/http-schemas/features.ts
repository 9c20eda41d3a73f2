import { Type } from 'typebox';
import { fieldNames } from '../../schemas/avro.js';
import type { ItemFeatureValues, UserFeatureValues } from '../../schemas/types.js';
import { recordProperties } from './avro-json.js';

/**
 * Response shapes of the feature routes: `{ <id field>, version, as_of, updated_at, features }`,
 * where `features` holds every feature of docs/FEATURES.md (or the `?fields=` selection).
 */

export const HEADER_FIELDS = ['version', 'as_of', 'updated_at'] as const;
export type HeaderField = (typeof HEADER_FIELDS)[number];

export type UserFeatureName = keyof UserFeatureValues;
export type ItemFeatureName = keyof ItemFeatureValues;

const notFeatures = (id: string) => [id, ...HEADER_FIELDS];

export const USER_FEATURE_NAMES = fieldNames('UserFeatures').filter(
  (f) => !notFeatures('user_id').includes(f),
) as UserFeatureName[];
export const ITEM_FEATURE_NAMES = fieldNames('ItemFeatures').filter(
  (f) => !notFeatures('item_id').includes(f),
) as ItemFeatureName[];

export interface UserFeaturesBody {
  user_id: string;
  version: string;
  as_of: number;
  updated_at: number;
  features: Partial<UserFeatureValues>;
}

export interface ItemFeaturesBody {
  item_id: string;
  version: string;
  as_of: number;
  updated_at: number;
  features: Partial<ItemFeatureValues>;
}

function featureRecord(idField: 'user_id' | 'item_id', record: 'UserFeatures' | 'ItemFeatures') {
  return {
    type: 'object',
    properties: {
      [idField]: { type: 'string' },
      version: { type: 'string', description: 'the feature version read' },
      as_of: {
        type: 'integer',
        description: 'pipeline clock (epoch ms) the windowed values are evaluated against',
      },
      updated_at: { type: 'integer', description: 'wall time (epoch ms) the state was last written' },
      features: recordProperties(record, notFeatures(idField)),
    },
    required: [idField, 'version', 'as_of', 'updated_at', 'features'],
  };
}

export const UserFeaturesSchema = Type.Unsafe<UserFeaturesBody>(featureRecord('user_id', 'UserFeatures'));
export const ItemFeaturesSchema = Type.Unsafe<ItemFeaturesBody>(featureRecord('item_id', 'ItemFeatures'));

/** A batch entry: the record when found, else only the id and `found: false`. */
function lookupEntry(idField: 'user_id' | 'item_id', record: 'UserFeatures' | 'ItemFeatures') {
  const base = featureRecord(idField, record);
  return {
    type: 'object',
    properties: { ...base.properties, found: { type: 'boolean' } },
    required: [idField, 'found'],
  };
}

export const UserLookupEntry = Type.Unsafe<
  (UserFeaturesBody & { found: true }) | { user_id: string; found: false }
>(lookupEntry('user_id', 'UserFeatures'));
export const ItemLookupEntry = Type.Unsafe<
  (ItemFeaturesBody & { found: true }) | { item_id: string; found: false }
>(lookupEntry('item_id', 'ItemFeatures'));
