import type { Dataset } from '../dataset.js';
import { ImplicitAls, type AlsParams } from './als.js';
import { readArtifactKind } from './artifact.js';
import { MatrixFactorization, type MfParams } from './mf.js';
import { PopularityModel, type PopularityParams } from './popularity.js';
import { RankerModel, type RankerParams } from './ranker.js';
import type { ModelKind, Recommender } from './types.js';

export { ImplicitAls, MatrixFactorization, PopularityModel, RankerModel };
export { checksumArtifact } from './artifact.js';
export type { AlsParams, MfParams, PopularityParams, RankerParams };
export * from './types.js';

/** Params of every model kind (each partial: unset fields take the model's defaults). */
export interface ModelParams {
  popularity?: Partial<PopularityParams>;
  mf?: Partial<MfParams>;
  als?: Partial<AlsParams>;
  ranker?: Partial<RankerParams>;
}

/** Fits one model kind on `data` with `seed` (a `seed` inside params wins). */
export function fitModel(kind: ModelKind, data: Dataset, params: ModelParams = {}, seed = 0): Recommender {
  switch (kind) {
    case 'popularity':
      return PopularityModel.fit(data, params.popularity);
    case 'mf':
      return MatrixFactorization.fit(data, { seed, ...params.mf });
    case 'als':
      return ImplicitAls.fit(data, { seed, ...params.als });
    case 'ranker':
      return RankerModel.fit(data, { seed, als: params.als ?? {}, mf: params.mf ?? {}, ...params.ranker });
  }
}

/** Loads any saved model, dispatching on the kind recorded in its model.json. */
export async function loadModel(dir: string): Promise<Recommender> {
  const kind = await readArtifactKind(dir);
  switch (kind) {
    case 'popularity':
      return PopularityModel.load(dir);
    case 'mf':
      return MatrixFactorization.load(dir);
    case 'als':
      return ImplicitAls.load(dir);
    case 'ranker':
      return RankerModel.load(dir);
    default:
      throw new Error(`${dir}: unknown model kind ${kind}`);
  }
}
