import {
  EVENT_TYPE_CODE,
  EVENT_TYPES,
  featureField,
  latestEventTime,
  type Dataset,
  type EventType,
  type IdIndex,
} from '../dataset.js';
import { DEFAULT_EVENT_WEIGHTS } from '../weights.js';
import { readArtifact, writeArtifact } from './artifact.js';
import { applyExclusions, type Recommender } from './types.js';

export interface PopularityParams {
  /** Half-life of an event's weight, in hours. */
  halfLifeHours: number;
  /** Weight of each event type (the implicit confidence weights by default). */
  eventWeights: Readonly<Record<EventType, number>>;
  /**
   * `interactions`: decayed counts over the training events. `item-features`: the feature
   * store's `popularity_score` (24 h half-life, computed by the item-features processor) — the
   * served baseline when training reads the snapshot, since it already is this model.
   */
  source: 'interactions' | 'item-features';
}

export const DEFAULT_POPULARITY_PARAMS: Readonly<PopularityParams> = Object.freeze({
  halfLifeHours: 24,
  eventWeights: DEFAULT_EVENT_WEIGHTS,
  source: 'interactions',
});

/**
 * The baseline: every user gets the same ranking, items ordered by time-decayed popularity
 *   score(i) = Σ_{events e on i} w(type_e) · 2^(-(clock - t_e) / half-life)
 * where clock is the newest training event. Recent attention counts more than old attention,
 * so the baseline follows trends instead of recommending last year's hits forever.
 */
export class PopularityModel implements Recommender {
  readonly kind = 'popularity' as const;

  private constructor(
    readonly users: IdIndex,
    readonly items: IdIndex,
    readonly scores: Float32Array,
    readonly params: PopularityParams,
    readonly clock: number,
  ) {}

  static fit(data: Dataset, params: Partial<PopularityParams> = {}): PopularityModel {
    const p: PopularityParams = { ...DEFAULT_POPULARITY_PARAMS, ...params };
    const scores = new Float32Array(data.items.size);
    const clock = latestEventTime(data.interactions);
    if (p.source === 'item-features') {
      if (!data.itemFeatures) throw new Error('popularity source item-features needs item feature records');
      for (const [id, record] of data.itemFeatures) {
        const score = featureField(record, 'popularity_score');
        const i = data.items.indexOf(id);
        if (i >= 0 && typeof score === 'number' && Number.isFinite(score)) scores[i] = score;
      }
      return new PopularityModel(data.users, data.items, scores, p, clock);
    }
    if (!(p.halfLifeHours > 0)) throw new RangeError('halfLifeHours must be > 0');
    const byCode = new Float64Array(EVENT_TYPES.length);
    for (const type of EVENT_TYPES) byCode[EVENT_TYPE_CODE[type]] = p.eventWeights[type];
    const halfLifeMs = p.halfLifeHours * 3_600_000;
    const { item, eventType, time } = data.interactions;
    // Accumulate in float64: a million small decayed terms lose precision in float32.
    const sums = new Float64Array(data.items.size);
    for (let k = 0; k < item.length; k++) {
      sums[item[k]] += byCode[eventType[k]] * Math.pow(2, -(clock - time[k]) / halfLifeMs);
    }
    scores.set(sums);
    return new PopularityModel(data.users, data.items, scores, p, clock);
  }

  scoreItems(_user: number, exclude?: Int32Array): Float32Array {
    return applyExclusions(this.scores.slice(), exclude);
  }

  scorePair(_user: number, item: number): number {
    return this.scores[item];
  }

  async save(dir: string): Promise<void> {
    await writeArtifact(dir, {
      kind: this.kind,
      meta: { params: this.params, clock: this.clock },
      users: this.users,
      items: this.items,
      arrays: { scores: this.scores },
    });
  }

  static async load(dir: string): Promise<PopularityModel> {
    const a = await readArtifact(dir);
    if (a.kind !== 'popularity') throw new Error(`${dir} holds a ${a.kind} model, not popularity`);
    const scores = a.arrays.scores;
    if (!(scores instanceof Float32Array)) throw new Error(`${dir}: scores missing`);
    return new PopularityModel(
      a.users,
      a.items,
      scores,
      a.meta.params as PopularityParams,
      a.meta.clock as number,
    );
  }
}
