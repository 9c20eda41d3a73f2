/** The training core's public surface, for the trainer daemon, the CLI and the API. */
export {
  buildDataset,
  featureField,
  EVENT_TYPES,
  IdIndex,
  subsetDataset,
  type Dataset,
  type EventType,
  type FeatureRecord,
  type FeatureRecords,
  type InteractionRow,
  type Interactions,
} from './dataset.js';
export {
  buildRankingTask,
  evaluateRanking,
  evaluateRatings,
  GlobalMeanPredictor,
  listMetrics,
  metricNames,
  toMetricTable,
  type MetricTable,
  type RankingMetrics,
  type RatingMetrics,
} from './evaluate.js';
export {
  checksumArtifact,
  fitModel,
  ImplicitAls,
  isRatingPredictor,
  loadModel,
  MatrixFactorization,
  MODEL_KINDS,
  PopularityModel,
  RankerModel,
  type ModelKind,
  type ModelParams,
  type RatingPredictor,
  type Recommender,
} from './models/index.js';
export {
  chooseServedModel,
  lowerIsBetter,
  type ModelCandidate,
  type PromotionDecision,
} from './promotion.js';
export {
  bestModel,
  selectionMetrics,
  trainAndEvaluate,
  type ModelReport,
  type Phase,
  type ProgressEvent,
  type Protocol,
  type RunParams,
  type TrainAndEvaluateInput,
  type TrainingResult,
} from './run.js';
export { DEFAULT_TEMPORAL_FRACTIONS, kfold, temporalSplit, type TemporalFractions } from './split.js';
export { generateMovieLensShaped, generatePlanted } from './synthetic.js';
export { recommend, type Recommendation, type RecommendOptions } from './recommend.js';
export { topK } from './topk.js';
