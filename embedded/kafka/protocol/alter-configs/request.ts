import { array, boolean, int8, nullableString, string, struct } from '../schema.js';

/** AlterConfigs v0–1: replaces a resource's whole set of overrides. */
export interface AlterableConfig {
  name: string;
  value: string | null;
}
export interface AlterConfigsResource {
  resourceType: number;
  resourceName: string;
  configs: AlterableConfig[];
}
export interface AlterConfigsRequest {
  resources: AlterConfigsResource[];
  validateOnly: boolean;
}

export const alterConfigsRequest = struct<AlterConfigsRequest>({
  resources: array(
    struct<AlterConfigsResource>({
      resourceType: int8,
      resourceName: string,
      configs: array(struct<AlterableConfig>({ name: string, value: nullableString })),
    }),
  ),
  validateOnly: boolean,
});
