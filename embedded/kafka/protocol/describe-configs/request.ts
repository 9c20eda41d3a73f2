import { array, boolean, int8, nullableArray, since, string, struct } from '../schema.js';

/** DescribeConfigs v0–2 (v1 adds include_synonyms). Null config names = every config. */
export interface DescribeConfigsResource {
  resourceType: number;
  resourceName: string;
  configurationKeys: string[] | null;
}
export interface DescribeConfigsRequest {
  resources: DescribeConfigsResource[];
  includeSynonyms: boolean;
}

export const describeConfigsRequest = struct<DescribeConfigsRequest>({
  resources: array(
    struct<DescribeConfigsResource>({
      resourceType: int8,
      resourceName: string,
      configurationKeys: nullableArray(string),
    }),
  ),
  includeSynonyms: since(1, boolean, false),
});
