-- Replays into Kafka: what each one sends, and the offset map of what the target
-- acknowledged, so that a replay cut short resumes without sending anything twice and a
-- consumer group's position translates to the target.

-- One row per replay. Kafka options are not recorded (they may hold credentials): a
-- resume is given them again.
CREATE TABLE replays (
    id                TEXT    PRIMARY KEY,
    instance          TEXT    NOT NULL,
    topic             TEXT    NOT NULL,
    from_time         INTEGER NOT NULL, -- milliseconds, inclusive
    to_time           INTEGER NOT NULL, -- milliseconds, exclusive
    target_topic      TEXT    NOT NULL,
    brokers           TEXT    NOT NULL,
    partitioning      TEXT    NOT NULL, -- same | key | round-robin
    source_headers    INTEGER NOT NULL,
    filter            TEXT,             -- the MessageFilter as JSON; NULL sends every message
    target_partitions INTEGER NOT NULL,
    messages          INTEGER NOT NULL, -- in the range when the replay first started
    acknowledged      INTEGER NOT NULL, -- of those, acknowledged by the target so far
    state             TEXT    NOT NULL, -- running | done | failed
    error             TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) WITHOUT ROWID;

-- Per target partition: its end offset when the replay first started. A resume reads the
-- target from the last offset the map records (or this one) to find messages delivered
-- before a crash and not yet recorded.
CREATE TABLE replay_targets (
    replay_id    TEXT    NOT NULL REFERENCES replays (id),
    partition    INTEGER NOT NULL,
    start_offset INTEGER NOT NULL,
    PRIMARY KEY (replay_id, partition)
) WITHOUT ROWID;

-- The offset map, as runs: source offsets source_first...source_last of one partition,
-- each one more than the last, went to target_first, target_first + 1, ... of one target
-- partition. A run ends where either side skips.
CREATE TABLE replay_offsets (
    replay_id        TEXT    NOT NULL REFERENCES replays (id),
    source_partition INTEGER NOT NULL,
    source_first     INTEGER NOT NULL,
    source_last      INTEGER NOT NULL,
    target_partition INTEGER NOT NULL,
    target_first     INTEGER NOT NULL,
    PRIMARY KEY (replay_id, source_partition, source_first)
) WITHOUT ROWID;
