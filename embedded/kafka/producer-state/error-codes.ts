/** The Kafka error codes that producer-state checks answer with. */
export const ProducerErrorCode = {
  none: 0,
  outOfOrderSequenceNumber: 45,
  invalidProducerEpoch: 47,
  invalidRecord: 87,
} as const;
