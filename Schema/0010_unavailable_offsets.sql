-- Offsets a partition's archive will never hold because the source no longer had them
-- when the archive asked: the broker's retention deleted them while no dump read the
-- partition (its low watermark passed the archive's position). `dump` then resumes at
-- the low watermark, and records the range here in the same transaction that moves the
-- partition's position (partitions.next_offset) to it; `status` and `verify` show it.
CREATE TABLE unavailable_offsets (
    instance     TEXT    NOT NULL,
    topic        TEXT    NOT NULL,
    partition    INTEGER NOT NULL,
    first_offset INTEGER NOT NULL,
    last_offset  INTEGER NOT NULL,
    recorded_at  INTEGER NOT NULL,
    PRIMARY KEY (instance, topic, partition, first_offset)
) WITHOUT ROWID;
