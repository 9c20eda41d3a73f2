-- Every feature record published to user-features.<version> / item-features.<version>: the
-- history of each entity's features, tagged with the version that computed it.
--
-- A feature record is identified by (version, entity id, total_interactions): total_interactions
-- strictly increases with every published change of an entity, so a copy re-published after a
-- processor restart (same values, possibly another as_of / updated_at) or re-read by the sink
-- after its own restart has the same key and collapses into one row (ReplacingMergeTree keeps
-- the copy with the highest offset). PARTITION BY version keeps each version apart on disk, so
-- retiring a version is `ALTER TABLE ... DROP PARTITION 'v1'`.
CREATE TABLE IF NOT EXISTS recostream.user_features
(
    user_id            String,
    version            LowCardinality(String),
    as_of              DateTime64(3, 'UTC'),
    updated_at         DateTime64(3, 'UTC'),
    total_interactions Int64,
    n_view             Int64,
    n_click            Int64,
    n_add_to_cart      Int64,
    n_purchase         Int64,
    n_like             Int64,
    n_rate             Int64,
    unique_items       Int64,
    rating_count       Int64,
    avg_rating         Nullable(Float64),
    first_event_time   DateTime64(3, 'UTC'),
    last_event_time    DateTime64(3, 'UTC'),
    active_days        Int64,
    cnt_1h             Int64,
    cnt_24h            Int64,
    cnt_7d             Int64,
    cnt_30d            Int64,
    purchases_7d       Int64,
    purchases_30d      Int64,
    conversion_rate    Nullable(Float64),
    recent_items       Array(String),
    favorite_category  LowCardinality(Nullable(String)),
    monetary_value     Float64,
    avg_price_point    Nullable(Float64),
    diversity_score    Float64,
    kafka_partition    UInt32,
    kafka_offset       UInt64,
    inserted_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(kafka_offset)
PARTITION BY version
ORDER BY (version, user_id, total_interactions);

CREATE TABLE IF NOT EXISTS recostream.item_features
(
    item_id            String,
    version            LowCardinality(String),
    as_of              DateTime64(3, 'UTC'),
    updated_at         DateTime64(3, 'UTC'),
    total_interactions Int64,
    n_view             Int64,
    n_click            Int64,
    n_add_to_cart      Int64,
    n_purchase         Int64,
    n_like             Int64,
    n_rate             Int64,
    unique_users       Int64,
    rating_count       Int64,
    avg_rating         Nullable(Float64),
    first_event_time   DateTime64(3, 'UTC'),
    last_event_time    DateTime64(3, 'UTC'),
    cnt_1h             Int64,
    cnt_24h            Int64,
    cnt_7d             Int64,
    cnt_30d            Int64,
    ctr                Nullable(Float64),
    purchase_rate      Nullable(Float64),
    popularity_score   Float64,
    trending_score     Nullable(Float64),
    kafka_partition    UInt32,
    kafka_offset       UInt64,
    inserted_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(kafka_offset)
PARTITION BY version
ORDER BY (version, item_id, total_interactions);

-- The latest record of every (version, entity): the one with the most interactions. Filter by
-- version (WHERE version = 'v1'); the filter reaches the table's primary key.
CREATE VIEW IF NOT EXISTS recostream.user_features_latest AS
SELECT *
FROM recostream.user_features FINAL
ORDER BY version, user_id, total_interactions DESC
LIMIT 1 BY version, user_id;

CREATE VIEW IF NOT EXISTS recostream.item_features_latest AS
SELECT *
FROM recostream.item_features FINAL
ORDER BY version, item_id, total_interactions DESC
LIMIT 1 BY version, item_id;
