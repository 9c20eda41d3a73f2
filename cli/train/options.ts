import type { ModelKind } from '../../training/models/index.js';
import type { Protocol } from '../../training/run.js';

/** `recostream train` options after parsing. */
export interface TrainCommandOptions {
  model?: ModelKind;
  protocol: Protocol;
  folds: number;
  seed: number;
  metric?: string;
  reason?: string;
  wait: boolean;
  json: boolean;
  /** API base URL to request the run from; undefined: http://127.0.0.1:API_PORT. */
  api?: string;
  /** Never go through the API. */
  local: boolean;
  sinkTimeoutMs: number;
}
