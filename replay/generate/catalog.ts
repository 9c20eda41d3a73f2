import { csvField, CsvFileWriter } from './csv-writer.js';
import type { Rng } from './rng.js';
import { permutation, WeightedSampler, zipfWeights } from './sampler.js';
import { ADJECTIVES, CATEGORIES, DEVICES, GENDERS, LOCATIONS } from './vocabulary.js';

export const ITEM_COLUMNS = [
  'item_id',
  'title',
  'category',
  'subcategory',
  'brand',
  'price',
  'is_active',
] as const;
export const USER_COLUMNS = [
  'user_id',
  'age',
  'gender',
  'location',
  'device',
  'customer_segment',
  'join_date',
] as const;

const DAY_MS = 86_400_000;
/** Zipf exponent of item popularity: about 20% of items take 80% of the views. */
export const ZIPF_EXPONENT = 1.07;

export function itemId(index: number): string {
  return `item_${index + 1}`;
}

export function userId(index: number): string {
  return `user_${index + 1}`;
}

/** What the interaction generator needs to know about the catalog. */
export interface Catalog {
  itemCount: number;
  category: Uint8Array;
  price: Float64Array;
  /** Draws an item by global popularity. */
  popular: WeightedSampler;
  /** popularity rank -> item index. */
  byRank: Int32Array;
  /** Per category: its items (most popular first) and a sampler over them. */
  categoryItems: Int32Array[];
  categorySamplers: (WeightedSampler | null)[];
}

export interface Audience {
  userCount: number;
  activity: WeightedSampler;
  device: Uint8Array;
}

function roundPrice(x: number): number {
  return Math.max(0.99, Math.round(x * 100) / 100);
}

/** Writes items.csv and returns the catalog the interactions are drawn from. */
export async function writeItems(
  path: string,
  count: number,
  rng: Rng,
  dirty: number,
): Promise<{ catalog: Catalog; rows: number }> {
  const categoryPick = new WeightedSampler(CATEGORIES.map((c) => c.weight));
  const category = new Uint8Array(count);
  const price = new Float64Array(count);
  const out = new CsvFileWriter(path, ITEM_COLUMNS);
  for (let i = 0; i < count; i++) {
    const ci = categoryPick.sample(rng);
    const spec = CATEGORIES[ci]!;
    category[i] = ci;
    price[i] = roundPrice(spec.medianPrice * Math.exp(0.6 * rng.normal()));
    const brand = rng.pick(spec.brands);
    const title = `${brand} ${rng.pick(ADJECTIVES)} ${rng.pick(spec.nouns)}`;
    const fields = [
      itemId(i),
      csvField(title),
      spec.name,
      rng.pick(spec.subcategories),
      csvField(brand),
      price[i]!.toFixed(2),
      rng.chance(0.95) ? 'true' : 'false',
    ];
    if (dirty > 0 && rng.chance(dirty)) {
      if (rng.chance(0.5)) fields[0] = '';
      else fields[5] = (-price[i]!).toFixed(2);
    }
    out.line(fields.join(','));
    if (out.full) await out.flush();
  }
  await out.close();

  const byRank = permutation(count, rng);
  const rankWeights = zipfWeights(count, ZIPF_EXPONENT);
  const weightOfItem = new Float64Array(count);
  for (let r = 0; r < count; r++) weightOfItem[byRank[r]!] = rankWeights[r]!;
  const perCategory: number[][] = CATEGORIES.map(() => []);
  for (let r = 0; r < count; r++) perCategory[category[byRank[r]!]!]!.push(byRank[r]!);
  const categoryItems = perCategory.map((items) => Int32Array.from(items));
  const categorySamplers = categoryItems.map((items) =>
    items.length === 0 ? null : new WeightedSampler(Array.from(items, (i) => weightOfItem[i]!)),
  );
  return {
    catalog: {
      itemCount: count,
      category,
      price,
      popular: new WeightedSampler(weightOfItem),
      byRank,
      categoryItems,
      categorySamplers,
    },
    rows: count,
  };
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Writes users.csv. Activity is log-normal (a few heavy users, a long tail of occasional ones);
 * the top tenth by activity are `high_value`, users who joined within the window are `new`.
 */
export async function writeUsers(
  path: string,
  count: number,
  rng: Rng,
  endMs: number,
  days: number,
  dirty: number,
): Promise<{ audience: Audience; rows: number }> {
  const activity = new Float64Array(count);
  for (let i = 0; i < count; i++) activity[i] = Math.exp(1.2 * rng.normal());
  const sorted = Float64Array.from(activity).sort();
  const highValueFrom = sorted[Math.floor(count * 0.9)] ?? Infinity;
  const device = new Uint8Array(count);
  const deviceNames = DEVICES.map(([d]) => d);
  const out = new CsvFileWriter(path, USER_COLUMNS);
  for (let i = 0; i < count; i++) {
    const age = Math.min(80, Math.max(18, Math.round(36 + 12 * rng.normal())));
    const dev = rng.weighted(DEVICES);
    device[i] = deviceNames.indexOf(dev);
    const joined = endMs - Math.floor(rng.next() * 3 * 365) * DAY_MS;
    const segment =
      joined > endMs - days * DAY_MS ? 'new' : activity[i]! >= highValueFrom ? 'high_value' : 'regular';
    const fields = [
      userId(i),
      String(age),
      rng.weighted(GENDERS),
      rng.weighted(LOCATIONS),
      dev,
      segment,
      isoDay(joined),
    ];
    if (dirty > 0 && rng.chance(dirty)) fields[1] = rng.chance(0.5) ? '-4' : 'unknown';
    out.line(fields.join(','));
    if (out.full) await out.flush();
  }
  await out.close();
  return { audience: { userCount: count, activity: new WeightedSampler(activity), device }, rows: count };
}
