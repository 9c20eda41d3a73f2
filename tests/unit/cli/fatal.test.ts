import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { fatalMessage } from '../../../cli/fatal.js';

describe('the line a failed command prints', () => {
  it('names Kafka, the broker and what to check when Kafka could not be reached', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', {
      broker: '127.0.0.1:9092',
    });
    expect(fatalMessage(refused)).toBe(
      'Kafka is unreachable at 127.0.0.1:9092 (Connection error: connect ECONNREFUSED 127.0.0.1:9092): ' +
        'is `recostream up` (or `recostream broker`, or your Kafka cluster) running, and KAFKA_BROKERS right?',
    );
  });

  it('finds the connection failure behind the error kafkajs gives up with', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 10.0.0.7:9092', {
      broker: '10.0.0.7:9092',
    });
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 10_000 });
    expect(fatalMessage(exhausted)).toMatch(/^Kafka is unreachable at 10\.0\.0\.7:9092 \(/);
  });

  it('prints any other error as its message', () => {
    expect(fatalMessage(new Error('the file interactions.csv does not exist'))).toBe(
      'the file interactions.csv does not exist',
    );
    expect(fatalMessage('plain')).toBe('plain');
  });
});
