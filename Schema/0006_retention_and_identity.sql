-- What retention and a shared bucket need to know about an archive.

-- One row: an id generated once, when the archive is created or first migrated, and
-- kept. A worker's default name is the host name plus this id, so that two archives
-- on one host never write the same object keys; it is recorded the first time a dump
-- needs it, so that a host renamed later (a container restarted) keeps its keys.
CREATE TABLE archive_identity (
    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
    archive_id     TEXT    NOT NULL,
    default_worker TEXT
);
INSERT INTO archive_identity (singleton, archive_id) VALUES (1, lower(hex(randomblob(4))));

-- The consumer group a `sediment dump` shared the partition through, NULL when it read
-- alone (or for `ingest`). An archive filled by a group shares its bucket with other
-- workers, so every upload from it needs {worker} in its key template.
ALTER TABLE partitions ADD COLUMN consumer_group TEXT;

-- Segment files that retention deleted, with what they held. Their messages were in
-- window files that every continuous target had confirmed; once local retention deletes
-- those files too, a query meeting this range can tell that the archive no longer holds
-- it locally instead of returning less.
CREATE TABLE deleted_segments (
    instance      TEXT    NOT NULL,
    topic         TEXT    NOT NULL,
    partition     INTEGER NOT NULL,
    base_offset   INTEGER NOT NULL,
    first_offset  INTEGER NOT NULL,
    last_offset   INTEGER NOT NULL,
    min_timestamp INTEGER NOT NULL,
    max_timestamp INTEGER NOT NULL,
    deleted_at    INTEGER NOT NULL,
    PRIMARY KEY (instance, topic, partition, base_offset)
) WITHOUT ROWID;

-- Queries look up the windows local retention deleted a file of, on every read.
CREATE INDEX window_files_locally_deleted ON window_files (instance, topic, window_start)
    WHERE local_deleted_at IS NOT NULL;

-- The ETag of the window's manifest object (`<key>.manifest.json`) once the target
-- confirmed it; NULL until then. The manifest goes up after its object.
ALTER TABLE window_uploads ADD COLUMN manifest_etag TEXT;
