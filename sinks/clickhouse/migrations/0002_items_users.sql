-- The item catalog and the user profiles: the latest record per key, as on the compacted topics.
--
-- ReplacingMergeTree(kafka_offset, is_deleted): the record with the highest offset of its key
-- wins (a key always lives on one partition, where offsets only grow), and a tombstone (a null
-- value on the topic) is stored as a row with is_deleted = 1 that hides the key from FINAL reads.
-- items_current / users_current are the catalog and the profiles as they are now.
CREATE TABLE IF NOT EXISTS recostream.items
(
    item_id       String,
    title         Nullable(String),
    category      LowCardinality(Nullable(String)),
    subcategory   LowCardinality(Nullable(String)),
    brand         Nullable(String),
    price         Nullable(Float64),
    description   Nullable(String),
    is_active     Bool,
    attributes    Map(String, String),
    created_at    Nullable(DateTime64(3, 'UTC')),
    source        LowCardinality(String),
    ingest_time   DateTime64(3, 'UTC'),
    is_deleted    UInt8,
    kafka_partition UInt32,
    kafka_offset  UInt64,
    inserted_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(kafka_offset, is_deleted)
ORDER BY item_id;

CREATE TABLE IF NOT EXISTS recostream.users
(
    user_id       String,
    age           Nullable(Int32),
    age_group     LowCardinality(Nullable(String)),
    gender        LowCardinality(Nullable(String)),
    location      LowCardinality(Nullable(String)),
    device        LowCardinality(Nullable(String)),
    segment       LowCardinality(Nullable(String)),
    join_date     Nullable(DateTime64(3, 'UTC')),
    attributes    Map(String, String),
    source        LowCardinality(String),
    ingest_time   DateTime64(3, 'UTC'),
    is_deleted    UInt8,
    kafka_partition UInt32,
    kafka_offset  UInt64,
    inserted_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(kafka_offset, is_deleted)
ORDER BY user_id;

CREATE VIEW IF NOT EXISTS recostream.items_current AS
SELECT * EXCEPT (is_deleted) FROM recostream.items FINAL;

CREATE VIEW IF NOT EXISTS recostream.users_current AS
SELECT * EXCEPT (is_deleted) FROM recostream.users FINAL;
