-- Rejected input from every part (api, replay, processors, this sink), as on the dead-letters
-- topic, kept beyond the topic's 7-day retention.
--
-- The raw payload and key are arbitrary bytes, which JSON cannot carry; they are stored base64
-- encoded, and the ALIAS columns `raw` / `raw_key` decode them back to the exact bytes on read.
-- dead_letter_id names the rejected input itself (the topic/partition/offset it was read from,
-- or the file and line, or else the dead letter's own position on the dead-letters topic), so a
-- rejection reported twice (a part retried after a crash) is one row after FINAL.
CREATE TABLE IF NOT EXISTS recostream.dead_letters
(
    dead_letter_id  String,
    source          LowCardinality(String),
    reason          String,
    field           Nullable(String),
    raw_base64      String,
    raw_key_base64  Nullable(String),
    raw             String ALIAS base64Decode(raw_base64),
    raw_key         Nullable(String) ALIAS if(raw_key_base64 IS NULL, NULL, base64Decode(assumeNotNull(raw_key_base64))),
    topic           Nullable(String),
    partition       Nullable(Int32),
    offset          Nullable(Int64),
    file            Nullable(String),
    line            Nullable(Int64),
    failed_at       DateTime64(3, 'UTC'),
    kafka_partition UInt32,
    kafka_offset    UInt64,
    inserted_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(kafka_offset)
ORDER BY (source, dead_letter_id);

-- Training runs: the latest state of every run (a run is re-published as it progresses).
CREATE TABLE IF NOT EXISTS recostream.training_runs
(
    run_id            String,
    trigger           LowCardinality(String),
    status            LowCardinality(String),
    feature_version   LowCardinality(String),
    snapshot_offsets  Array(Tuple(topic String, partition Int32, offset Int64)),
    snapshot_clock    Nullable(DateTime64(3, 'UTC')),
    protocol          LowCardinality(String),
    seed              Int64,
    data_sizes        Map(String, Int64),
    params            Map(String, String),
    metrics           Array(Tuple(model String, split String, metric String, value Float64)),
    durations_ms      Map(String, Float64),
    served_model      Nullable(String),
    promoted          Bool,
    promotion_reason  Nullable(String),
    artifact_path     Nullable(String),
    artifact_checksum Nullable(String),
    error             Nullable(String),
    started_at        DateTime64(3, 'UTC'),
    finished_at       Nullable(DateTime64(3, 'UTC')),
    is_deleted        UInt8,
    kafka_partition   UInt32,
    kafka_offset      UInt64,
    inserted_at       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(kafka_offset, is_deleted)
ORDER BY run_id;
