import { afterAll, describe, expect, it } from 'vitest';
import { startProcessors, type RunningProcessors } from '../../../processors/start.js';
import { ensureTopics } from '../../../processors/topics.js';
import type { Interaction, Item } from '../../../schemas/types.js';
import { createFeatureReader } from '../../../sinks/redis/reader.js';
import { produceInteractions, produceItems, waitForCaughtUp } from '../../harness/kafka-io.js';
import { startStack, type Stack } from '../../harness/stack.js';

/**
 * The stream–table join: an event is joined with the catalog as the processor knows it when it
 * processes the event, and the catalog is caught up to the items topic's end before each batch.
 */
describe('item catalog join', () => {
  let stack: Stack | undefined;
  let running: RunningProcessors | undefined;

  afterAll(async () => {
    await running?.stop();
    await stack?.stop();
  });

  const T = Date.UTC(2024, 3, 1);
  const interaction = (n: number, fields: Partial<Interaction>): Interaction => ({
    event_id: `cj-${n}`,
    user_id: 'shopper',
    item_id: 'lamp',
    event_type: 'purchase',
    rating: null,
    event_time: T + n * 1000,
    session_id: null,
    device_type: null,
    page_context: null,
    price: null,
    source: 'test',
    ingest_time: T,
    ...fields,
  });
  const item = (fields: Partial<Item>): Item => ({
    item_id: 'lamp',
    title: 'Lamp',
    category: null,
    subcategory: null,
    brand: null,
    price: null,
    description: null,
    is_active: true,
    attributes: {},
    created_at: null,
    source: 'test',
    ingest_time: T,
    ...fields,
  });

  it('uses the category and price the catalog had when each event was processed', async () => {
    stack = await startStack({ redis: true, broker: true, registry: true });
    const kafka = stack.kafka();
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, 'v1');
    await admin.disconnect();
    const serde = stack.serde();
    const redis = stack.redis();
    running = await startProcessors({
      which: 'all',
      version: 'v1',
      kafkaBrokers: [stack.brokers!],
      registryUrl: stack.registryUrl!,
      redisUrl: stack.redisUrl!,
      logger: stack.logger,
      dedupeHorizonDays: 30,
    });
    const reader = createFeatureReader(redis);

    // Not in the catalog yet: no category, no price.
    await produceInteractions(kafka, serde, [interaction(1, {}), interaction(2, { event_type: 'view' })]);
    await waitForCaughtUp(kafka, redis, 'v1');
    expect((await reader.readUserFeatures(['shopper']))[0]).toMatchObject({
      favorite_category: null,
      monetary_value: 0,
      diversity_score: 0,
    });

    // The catalog record is produced, then the events: the join sees it.
    await produceItems(kafka, serde, [item({ category: 'Lighting', price: 40 })]);
    await produceInteractions(kafka, serde, [interaction(3, {}), interaction(4, { price: 35 })]);
    await waitForCaughtUp(kafka, redis, 'v1');
    // A later change of the catalog applies to later events only.
    await produceItems(kafka, serde, [item({ category: 'Home', price: 50 })]);
    await produceInteractions(kafka, serde, [interaction(5, { event_type: 'view' })]);
    await waitForCaughtUp(kafka, redis, 'v1');

    const [shopper] = await reader.readUserFeatures(['shopper']);
    expect(shopper).toMatchObject({
      total_interactions: 5,
      n_purchase: 3,
      monetary_value: 0 + 40 + 35,
      favorite_category: 'Lighting',
      diversity_score: 2 / 5,
    });
  });
});
