import { int8, since, string, struct } from '../schema.js';

/** FindCoordinator v0–2 (v0 was GroupCoordinator); key_type 0 = group, 1 = transaction. */
export interface FindCoordinatorRequest {
  key: string;
  keyType: number;
}

export const findCoordinatorRequest = struct<FindCoordinatorRequest>({
  key: string,
  keyType: since(1, int8, 0),
});
