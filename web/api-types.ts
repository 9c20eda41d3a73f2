import type { Static } from 'typebox';
import type {
  DeadLettersBody,
  ItemsBody,
  SummaryBody,
  TimeseriesBody,
  TopologyBody,
} from '../api/dashboard/http-schemas.js';

/** The bodies the dashboard reads, typed from the server's own response schemas. */
export type Summary = Static<typeof SummaryBody>;
export type Timeseries = Static<typeof TimeseriesBody>;
export type DeadLetters = Static<typeof DeadLettersBody>;
export type Items = Static<typeof ItemsBody>;
export type RankedItem = Items['top'][number];
export type Topology = Static<typeof TopologyBody>;

/** The fields of a TrainingRun record (GET /v1/training/runs) the dashboard reads. */
export interface TrainingRun {
  run_id: string;
  status: string;
  served_model: string | null;
  promoted: boolean;
  started_at: number;
  finished_at: number | null;
  metrics: { model: string; split: string; metric: string; value: number }[];
}

/** GET /v1/features/{users,items}/:id */
export interface FeatureRecord {
  user_id?: string;
  item_id?: string;
  version: string;
  as_of: number;
  updated_at: number;
  features: Record<string, unknown>;
}
