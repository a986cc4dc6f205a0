-- The offset map's runs may skip source offsets, so that a replay that sends only some of
-- a partition's messages (a filter, offsets compaction removed, transaction markers, or a
-- partition spread over several target partitions) still records a few runs, not one per
-- message: a run now says that the messages the replay sent from source_first...source_last
-- of one source partition to one target partition went to target_first...target_last, in
-- order. Runs of one source partition into different target partitions may overlap.
CREATE TABLE replay_runs (
    replay_id        TEXT    NOT NULL REFERENCES replays (id),
    source_partition INTEGER NOT NULL,
    target_partition INTEGER NOT NULL,
    source_first     INTEGER NOT NULL,
    source_last      INTEGER NOT NULL,
    target_first     INTEGER NOT NULL,
    target_last      INTEGER NOT NULL,
    PRIMARY KEY (replay_id, source_partition, target_partition, source_first)
) WITHOUT ROWID;

INSERT INTO replay_runs (replay_id, source_partition, target_partition, source_first, source_last, target_first, target_last)
SELECT replay_id, source_partition, target_partition, source_first, source_last, target_first, target_first + source_last - source_first
FROM replay_offsets;

DROP TABLE replay_offsets;

-- Replays through a transactional producer (transactional.id from the replay's id): a
-- resume fences the runs before it, and what they had not committed is aborted. Replays
-- recorded before this column sent without transactions.
ALTER TABLE replays ADD COLUMN transactional INTEGER NOT NULL DEFAULT 0;
