/** Kafka error codes the log layer answers with (handlers put them straight into responses). */
export const KafkaErrorCode = {
  none: 0,
  offsetOutOfRange: 1,
  corruptMessage: 2,
  unknownTopicOrPartition: 3,
  messageTooLarge: 10,
  invalidTopic: 17,
  topicAlreadyExists: 36,
  invalidPartitions: 37,
  invalidConfig: 40,
  outOfOrderSequenceNumber: 45,
  invalidProducerEpoch: 47,
  kafkaStorageError: 56,
  invalidRecord: 87,
} as const;

/** An admin operation refused with a Kafka error code and a message for the response. */
export class LogError extends Error {
  override readonly name = 'LogError';
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}
