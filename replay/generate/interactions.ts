import type { EventType } from '../../schemas/types.js';
import { itemId, userId, type Audience, type Catalog } from './catalog.js';
import { CsvFileWriter } from './csv-writer.js';
import type { Rng } from './rng.js';
import { DEVICES, VIEW_PAGES } from './vocabulary.js';

export const INTERACTION_COLUMNS = [
  'event_id',
  'user_id',
  'item_id',
  'event_type',
  'rating',
  'event_time',
  'session_id',
  'device_type',
  'page_context',
  'price',
] as const;

/** The funnel: each step happens with this probability given the one before. */
export const FUNNEL = {
  click: 0.35,
  addToCart: 0.3,
  purchase: 0.5,
  rateAfterPurchase: 0.3,
  like: 0.05,
} as const;
/** Views in a session: 1 + geometric, mean about 3.3. */
const MORE_VIEWS_P = 0.3;
const MAX_VIEWS = 20;
/** A session's next view stays in the same category this often (browsing a shelf). */
const SAME_CATEGORY = 0.6;
const MEAN_STEP_MS = 40_000;

interface PendingEvent {
  time: number;
  seq: number;
  user: number;
  item: number;
  type: EventType;
  rating: number | null;
  session: number;
  device: string;
  page: string;
  price: number | null;
}

/** A min-heap by (time, seq): sessions overlap, the file is written in event-time order. */
class EventHeap {
  private readonly items: PendingEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  private less(a: PendingEvent, b: PendingEvent): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  push(e: PendingEvent): void {
    const h = this.items;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  peek(): PendingEvent | undefined {
    return this.items[0];
  }

  pop(): PendingEvent {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * ISO 8601 to the second (2024-10-10T00:00:10Z). Events come in time order, so the date part is
 * formatted once per day and the time of day by hand: Date#toISOString per row was the
 * generator's largest cost.
 */
class IsoSeconds {
  private day = -1;
  private prefix = '';

  format(ms: number): string {
    const day = Math.floor(ms / 86_400_000);
    if (day !== this.day) {
      this.day = day;
      this.prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    }
    const secondsOfDay = Math.floor((ms - day * 86_400_000) / 1000);
    const h = Math.floor(secondsOfDay / 3600);
    const m = Math.floor((secondsOfDay % 3600) / 60);
    const sec = secondsOfDay % 60;
    return `${this.prefix}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${sec < 10 ? '0' : ''}${sec}Z`;
  }
}

const RATINGS = [
  [5, 45],
  [4, 30],
  [3, 13],
  [2, 7],
  [1, 5],
] as const;

const DEVICE_TYPES = DEVICES.map(([d]) => d.toLowerCase());

/** The kinds of bad rows `--dirty` writes, as real exports have them. */
export const DIRTY_KINDS = [
  'missing_user_id',
  'missing_item_id',
  'unknown_event_type',
  'bad_rating',
  'bad_time',
  'future_time',
  'duplicate_event_id',
  'negative_price',
] as const;

function dirtyRow(fields: string[], rng: Rng, previousEventId: string | null): void {
  const kind = rng.pick(DIRTY_KINDS);
  switch (kind) {
    case 'missing_user_id':
      fields[1] = '';
      break;
    case 'missing_item_id':
      fields[2] = rng.chance(0.5) ? '' : 'NULL';
      break;
    case 'unknown_event_type':
      fields[3] = rng.pick(['hover', 'teleport', 'wishlist_add']);
      break;
    case 'bad_rating':
      fields[3] = 'rate';
      fields[4] = rng.pick(['11', '-1', 'five', '0']);
      break;
    case 'bad_time':
      fields[5] = rng.pick(['yesterday', '2024-02-30T10:00:00Z', '31/12/2023 10:00', '']);
      break;
    case 'future_time':
      fields[5] = '2099-01-01T00:00:00Z';
      break;
    case 'duplicate_event_id':
      if (previousEventId) fields[0] = previousEventId;
      else fields[1] = '';
      break;
    case 'negative_price':
      fields[9] = '-19.99';
      break;
  }
}

/**
 * Writes interactions.csv: sessions of one user on one device, each a run of views (by Zipf
 * popularity, often staying in one category) where some views lead to a click, some clicks to
 * add_to_cart, some carts to a purchase, and some purchases to a rating. Session starts follow
 * a Poisson-like process paced so that exactly `count` events fill the window ending at `endMs`;
 * events are written in time order.
 */
export async function writeInteractions(
  path: string,
  count: number,
  rng: Rng,
  catalog: Catalog,
  audience: Audience,
  endMs: number,
  days: number,
  dirty: number,
): Promise<{ rows: number; sessions: number }> {
  const out = new CsvFileWriter(path, INTERACTION_COLUMNS);
  const heap = new EventHeap();
  const startMs = endMs - days * 86_400_000;
  const meanSessionEvents = 4.6;
  let generated = 0;
  let written = 0;
  let seq = 0;
  let sessions = 0;
  let clock = startMs;
  let previousEventId: string | null = null;
  const iso = new IsoSeconds();

  const write = (e: PendingEvent): void => {
    written++;
    const eventId = `evt_${written}`;
    const rating = e.rating === null ? '' : String(e.rating);
    const time = iso.format(e.time);
    const price = e.price === null ? '' : e.price.toFixed(2);
    if (dirty > 0 && rng.chance(dirty)) {
      const fields = [
        eventId,
        userId(e.user),
        itemId(e.item),
        e.type,
        rating,
        time,
        `sess_${e.session}`,
        e.device,
        e.page,
        price,
      ];
      dirtyRow(fields, rng, previousEventId);
      out.line(fields.join(','));
    } else {
      // The clean row (nearly all of them) as one template: no array per row.
      out.line(
        `${eventId},user_${e.user + 1},item_${e.item + 1},${e.type},${rating},${time},sess_${e.session},${e.device},${e.page},${price}`,
      );
    }
    previousEventId = eventId;
  };

  const nextItem = (current: number | null): number => {
    if (current !== null && rng.chance(SAME_CATEGORY)) {
      const sampler = catalog.categorySamplers[catalog.category[current]!];
      if (sampler) return catalog.categoryItems[catalog.category[current]!]![sampler.sample(rng)]!;
    }
    return catalog.popular.sample(rng);
  };

  while (generated < count) {
    // Pace session starts so the remaining events fill the remaining window.
    const remaining = count - generated;
    const gap = rng.exponential(((endMs - clock) * meanSessionEvents) / remaining);
    clock = Math.min(endMs, clock + Math.floor(gap));
    while (heap.size > 0 && heap.peek()!.time <= clock) write(heap.pop());
    if (out.full) await out.flush();

    const session = ++sessions;
    const user = audience.activity.sample(rng);
    const device = rng.chance(0.85) ? DEVICE_TYPES[audience.device[user]!]! : rng.pick(DEVICE_TYPES);
    let t = clock;
    let item: number | null = null;
    const views = Math.min(MAX_VIEWS, 1 + rng.geometric(MORE_VIEWS_P));
    const emit = (type: EventType, page: string, rating: number | null, price: number | null): void => {
      if (generated >= count) return;
      generated++;
      heap.push({
        time: Math.min(endMs, t),
        seq: seq++,
        user,
        item: item!,
        type,
        rating,
        session,
        device,
        page,
        price,
      });
      t += Math.floor(rng.exponential(MEAN_STEP_MS)) + 1000;
    };
    for (let v = 0; v < views && generated < count; v++) {
      item = nextItem(item);
      emit('view', rng.weighted(VIEW_PAGES), null, null);
      if (!rng.chance(FUNNEL.click)) continue;
      emit('click', 'product_page', null, null);
      if (rng.chance(FUNNEL.like)) emit('like', 'product_page', null, null);
      if (!rng.chance(FUNNEL.addToCart)) continue;
      const price = catalog.price[item]! * (rng.chance(0.1) ? 0.9 : 1);
      emit('add_to_cart', 'product_page', null, price);
      if (!rng.chance(FUNNEL.purchase)) continue;
      emit('purchase', 'checkout', null, price);
      if (rng.chance(FUNNEL.rateAfterPurchase)) emit('rate', 'product_page', rng.weighted(RATINGS), null);
    }
  }
  while (heap.size > 0) write(heap.pop());
  await out.close();
  return { rows: written, sessions };
}
