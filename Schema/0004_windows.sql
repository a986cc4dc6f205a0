-- Compaction: the window settings of each topic, the window files written, the gzip
-- members inside them, and which offsets each file covers.

-- Settings apply to windows that start at or after `since` (milliseconds of window
-- time; the first row of a topic has the lowest integer). A change adds a row whose
-- `since` is the end of the last window written, so written windows keep theirs.
CREATE TABLE window_settings (
    instance          TEXT    NOT NULL,
    topic             TEXT    NOT NULL,
    since             INTEGER NOT NULL,
    granularity       INTEGER NOT NULL, -- milliseconds
    format            TEXT    NOT NULL, -- jsonl | text
    compression_level INTEGER NOT NULL,
    max_file_size     INTEGER NOT NULL, -- bytes of one file, compressed
    grace             INTEGER NOT NULL, -- milliseconds
    window_time       TEXT    NOT NULL, -- message | ingest
    invalid_utf8      TEXT    NOT NULL, -- error | skip | replace (text format)
    recorded_at       INTEGER NOT NULL,
    PRIMARY KEY (instance, topic, since)
) WITHOUT ROWID;

-- One row per file, recorded only after the file is durable under its final name.
-- A file is never rewritten: late messages of a window go into a new part.
CREATE TABLE window_files (
    id               INTEGER PRIMARY KEY,
    instance         TEXT    NOT NULL,
    topic            TEXT    NOT NULL,
    window_start     INTEGER NOT NULL,
    window_end       INTEGER NOT NULL,
    part             INTEGER NOT NULL, -- 1, 2, ...; the file name says .partN from 2 on
    path             TEXT    NOT NULL, -- relative to the archive: windows/<instance>/<topic>/<date>/...
    format           TEXT    NOT NULL,
    message_count    INTEGER NOT NULL,
    skipped_count    INTEGER NOT NULL, -- values left out by --invalid-utf8 skip
    min_timestamp    INTEGER NOT NULL,
    max_timestamp    INTEGER NOT NULL,
    input_size       INTEGER NOT NULL, -- bytes before compression
    size             INTEGER NOT NULL,
    md5              TEXT    NOT NULL, -- hex
    sha256           TEXT    NOT NULL, -- hex
    written_at       INTEGER NOT NULL,
    local_deleted_at INTEGER,          -- set when local retention removed the file
    UNIQUE (instance, topic, window_start, part)
);

-- Per file and partition: the offsets it holds, and `covered_end`: every message of
-- the window in this partition with an offset below it is in this file or an earlier
-- part. A partition with no row for a window has nothing of that window in any file.
CREATE TABLE window_partitions (
    file_id       INTEGER NOT NULL REFERENCES window_files (id),
    partition     INTEGER NOT NULL,
    first_offset  INTEGER NOT NULL,
    last_offset   INTEGER NOT NULL,
    message_count INTEGER NOT NULL,
    covered_end   INTEGER NOT NULL,
    PRIMARY KEY (file_id, partition)
) WITHOUT ROWID;

-- The gzip members of jsonl files, keyed like the time index so that a query reads
-- only the members whose time ranges meet its own.
CREATE TABLE window_members (
    instance      TEXT    NOT NULL,
    topic         TEXT    NOT NULL,
    min_timestamp INTEGER NOT NULL,
    file_id       INTEGER NOT NULL REFERENCES window_files (id),
    ordinal       INTEGER NOT NULL,
    max_timestamp INTEGER NOT NULL,
    position      INTEGER NOT NULL, -- byte offset of the member in the file
    length        INTEGER NOT NULL,
    input_size    INTEGER NOT NULL,
    message_count INTEGER NOT NULL,
    PRIMARY KEY (instance, topic, min_timestamp, file_id, ordinal)
) WITHOUT ROWID;

-- Every message of the partition below `compacted_below` is in a window file. Only a
-- hint that keeps compaction scans short: it may lag the truth, never lead it.
CREATE TABLE compaction_positions (
    instance        TEXT    NOT NULL,
    topic           TEXT    NOT NULL,
    partition       INTEGER NOT NULL,
    compacted_below INTEGER NOT NULL,
    PRIMARY KEY (instance, topic, partition)
) WITHOUT ROWID;

-- The widest time span of one member, for the same reason as max_block_span.
ALTER TABLE topics ADD COLUMN max_member_span INTEGER NOT NULL DEFAULT 0;
