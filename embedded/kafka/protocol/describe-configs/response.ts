import {
  array,
  boolean,
  int16,
  int32,
  int8,
  nullableString,
  since,
  string,
  struct,
  upTo,
} from '../schema.js';

/** Where a config value comes from (v1+ config_source). */
export const ConfigSource = {
  UNKNOWN: 0,
  TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export interface DescribeConfigsSynonym {
  name: string;
  value: string | null;
  source: number;
}
export interface DescribeConfigsResourceResult {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** v0 only; v1+ says the same with configSource = DEFAULT_CONFIG. */
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: DescribeConfigsSynonym[];
}
export interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: DescribeConfigsResourceResult[];
}
export interface DescribeConfigsResponse {
  throttleTimeMs: number;
  results: DescribeConfigsResult[];
}

export const describeConfigsResponse = struct<DescribeConfigsResponse>({
  throttleTimeMs: int32,
  results: array(
    struct<DescribeConfigsResult>({
      errorCode: int16,
      errorMessage: nullableString,
      resourceType: int8,
      resourceName: string,
      configs: array(
        struct<DescribeConfigsResourceResult>({
          name: string,
          value: nullableString,
          readOnly: boolean,
          isDefault: upTo(0, boolean, false),
          configSource: since(1, int8, -1),
          isSensitive: boolean,
          synonyms: since(
            1,
            array(struct<DescribeConfigsSynonym>({ name: string, value: nullableString, source: int8 })),
            [],
          ),
        }),
      ),
    }),
  ),
});
