-- The segment store: partitions and their positions, segment files, and the
-- sparse time index over them. One row in `blocks` covers a run of records of one
-- partition in one segment file (about 256 KiB), like Kafka's sparse time index.

CREATE TABLE partitions (
    id          INTEGER PRIMARY KEY,
    instance    TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    partition   INTEGER NOT NULL,
    -- The position: the next offset to store. Committed in the same transaction
    -- as the index rows of the data below it, after that data is durable.
    next_offset INTEGER NOT NULL,
    UNIQUE (instance, topic, partition)
);

CREATE TABLE segments (
    partition_id INTEGER NOT NULL REFERENCES partitions (id),
    base_offset  INTEGER NOT NULL,
    -- Bytes of the file that are durable and indexed; anything past it is a torn tail.
    size         INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (partition_id, base_offset)
) WITHOUT ROWID;

CREATE TABLE blocks (
    instance      TEXT    NOT NULL,
    topic         TEXT    NOT NULL,
    -- UTC yyyy-MM-dd of min_timestamp.
    date          TEXT    NOT NULL,
    min_timestamp INTEGER NOT NULL,
    max_timestamp INTEGER NOT NULL,
    partition     INTEGER NOT NULL,
    first_offset  INTEGER NOT NULL,
    last_offset   INTEGER NOT NULL,
    record_count  INTEGER NOT NULL,
    segment_base  INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    length        INTEGER NOT NULL,
    -- Milliseconds since the epoch when the batch holding the block was committed.
    ingested_at   INTEGER NOT NULL,
    PRIMARY KEY (instance, topic, date, min_timestamp, partition, first_offset)
) WITHOUT ROWID;

CREATE UNIQUE INDEX blocks_by_offset ON blocks (instance, topic, partition, first_offset);
