-- Raw interaction events, one row per event_id.
--
-- ReplacingMergeTree keyed by (user_id, event_time, event_id): copies of one event (a replay run
-- again with --force, a batch the sink re-reads after a crash) share the whole key and collapse
-- into one row when parts merge. Until then they can coexist physically: exact counts read the
-- table with FINAL (or the interactions_unique view). Copies of one event carry the same user_id
-- and event_time, because the event_id is either given with the event or a hash of its content.
CREATE TABLE IF NOT EXISTS recostream.interactions
(
    event_id      String,
    user_id       String,
    item_id       String,
    event_type    LowCardinality(String),
    rating        Nullable(Float64),
    event_time    DateTime64(3, 'UTC'),
    session_id    Nullable(String),
    device_type   LowCardinality(Nullable(String)),
    page_context  LowCardinality(Nullable(String)),
    price         Nullable(Float64),
    source        LowCardinality(String),
    ingest_time   DateTime64(3, 'UTC'),
    kafka_partition UInt32,
    kafka_offset  UInt64,
    inserted_at   DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_item_id item_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (user_id, event_time, event_id);

-- One row per event whatever the merge state: what exact counts should read.
CREATE VIEW IF NOT EXISTS recostream.interactions_unique AS
SELECT * FROM recostream.interactions FINAL;
