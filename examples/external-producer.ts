/**
 * How a service outside recostream writes interaction events that the pipeline accepts: plain
 * kafkajs and @kafkajs/confluent-schema-registry, nothing from recostream.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 SCHEMA_REGISTRY_URL=http://127.0.0.1:8081 \
 *     npx tsx examples/external-producer.ts [count]
 *
 * Prints one JSON line per event written: {"event_id", "partition", "offset"}.
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const TOPIC = 'interactions';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const registry = new SchemaRegistry({ host: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081' });
const count = Number(process.argv[2] ?? 1);

// The schema recostream registered for the topic (`recostream topology apply` does that):
// TopicNameStrategy, so the subject is "<topic>-value". Encoding with its id lets every consumer
// find the exact schema the bytes were written with.
const schemaId = await registry.getLatestSchemaId(`${TOPIC}-value`);

const kafka = new Kafka({ clientId: 'checkout-service', brokers, logLevel: logLevel.WARN });
const producer = kafka.producer({
  // Acknowledged by the broker only once written; retries never duplicate or reorder.
  idempotent: true,
  maxInFlightRequests: 1,
  // Murmur2 of the key, as Kafka's Java clients and recostream do, so that one user's events
  // land on one partition whoever writes them.
  createPartitioner: Partitioners.DefaultPartitioner,
});
await producer.connect();

try {
  for (let i = 0; i < count; i++) {
    const now = Date.now();
    const event = {
      event_id: `checkout-${randomUUID()}`, // stable per real-world event: a retry must reuse it
      user_id: 'u42',
      item_id: `i${i + 1}`,
      event_type: 'purchase', // view, click, add_to_cart, purchase, like or rate
      rating: null, // 1.0-5.0 for "rate" events
      event_time: now, // epoch milliseconds, UTC
      session_id: 'sess-7',
      device_type: 'web',
      page_context: 'checkout',
      price: 19.99,
      source: 'producer',
      ingest_time: now,
    };
    // Validates against the schema (throws naming the invalid fields) and frames the bytes in
    // the Confluent wire format: magic byte 0, the 4-byte schema id, the Avro body.
    const value = await registry.encode(schemaId, event);
    const [meta] = await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: [{ key: event.user_id, value }], // the key is the user id: the topic's key field
    });
    process.stdout.write(
      JSON.stringify({ event_id: event.event_id, partition: meta?.partition, offset: meta?.baseOffset }) +
        '\n',
    );
  }
} finally {
  await producer.disconnect();
}
