import type { Recommender } from '../../training/models/index.js';

/** One recommended item and how good its model thinks it is (higher is better). */
export interface ScoredItem {
  item_id: string;
  score: number;
}

export interface Recommendations {
  /** The model that produced the list: a model kind (popularity, als, ...). */
  model: string;
  /** The training run of that model; null for the live popularity fallback. */
  run_id: string | null;
  items: ScoredItem[];
}

/** The recommendation strategy the route calls; the popularity fallback and trained models plug in here. */
export interface ItemRecommender {
  /** The top `k` items for `userId`, none of them in `exclude`. */
  recommend(userId: string, k: number, exclude: ReadonlySet<string>): Promise<Recommendations>;
}

/** Items a user already purchased (recommendations leave them out). */
export interface PurchaseHistory {
  purchasedItems(userId: string): Promise<ReadonlySet<string>>;
}

/** The trained model training promoted to serve, with the run that produced it. */
export interface ServedModel {
  runId: string;
  model: Recommender;
}

/** Where the served model comes from (the training part's served-model registry implements this). */
export interface ServedModelSource {
  /** The model to serve now; null while none has been promoted. */
  current(): Promise<ServedModel | null>;
}
