import { describe, expect, it } from 'vitest';
import { PopularityRecommender, type PopularItemsSource } from '../../../api/recommend/popularity.js';
import { ServedModelRecommender } from '../../../api/recommend/served-model.js';
import type { ServedModelSource } from '../../../api/recommend/types.js';
import { buildDataset, type InteractionRow } from '../../../training/dataset.js';
import { fitModel } from '../../../training/models/index.js';

const T = Date.UTC(2024, 5, 1);
const rows: InteractionRow[] = [
  { user_id: 'u1', item_id: 'i1', event_type: 'purchase', rating: null, event_time: T },
  { user_id: 'u2', item_id: 'i1', event_type: 'purchase', rating: null, event_time: T },
  { user_id: 'u2', item_id: 'i2', event_type: 'click', rating: null, event_time: T },
  { user_id: 'u3', item_id: 'i2', event_type: 'view', rating: null, event_time: T },
  { user_id: 'u3', item_id: 'i3', event_type: 'view', rating: null, event_time: T },
];
const model = fitModel('popularity', buildDataset(rows));

const noPopularity: PopularItemsSource = {
  top: () => Promise.resolve({ version: 'v1', items: [{ item_id: 'live', score: 1 }] }),
};

describe('recommendations from the served model', () => {
  it('ranks with the promoted model, names it and its run, and leaves out excluded items', async () => {
    const source: ServedModelSource = { current: () => Promise.resolve({ runId: 'run-1', model }) };
    const recommender = new ServedModelRecommender(source, new PopularityRecommender(noPopularity));
    const r = await recommender.recommend('u9', 2, new Set(['i1']));
    expect(r.model).toBe('popularity');
    expect(r.run_id).toBe('run-1');
    expect(r.items.map((i) => i.item_id)).toEqual(['i2', 'i3']);
    expect(r.items[0]!.score).toBeGreaterThan(r.items[1]!.score);
  });

  it('falls back to live popularity while no model is promoted', async () => {
    const recommender = new ServedModelRecommender(
      { current: () => Promise.resolve(null) },
      new PopularityRecommender(noPopularity),
    );
    expect(await recommender.recommend('u1', 5, new Set())).toEqual({
      model: 'popularity',
      run_id: null,
      items: [{ item_id: 'live', score: 1 }],
    });
  });
});
