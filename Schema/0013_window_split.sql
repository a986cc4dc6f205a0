-- One file per partition, as an option (`split`: none | partition). A topic's settings
-- say whether windows from their `since` on are written as one file series holding every
-- partition (none, every window before this) or one series per partition; each file
-- records the partition it holds when it is one of such a series (NULL: every partition
-- of its window).
ALTER TABLE window_settings ADD COLUMN split TEXT NOT NULL DEFAULT 'none'; -- none | partition

-- window_files gets `split_partition`, and a part number is unique per series: per window
-- and split partition, the combined series (NULL) counting as one. SQLite takes NULLs in a
-- UNIQUE constraint as all different, so the uniqueness moves to an index on an
-- expression, which needs the table rebuilt (SQLite cannot drop a constraint). The
-- migration runs with foreign keys off; the tables that reference window_files (id) keep
-- naming it, and ids are copied as they are.
CREATE TABLE window_files_new (
    id               INTEGER PRIMARY KEY,
    instance         TEXT    NOT NULL,
    topic            TEXT    NOT NULL,
    window_start     INTEGER NOT NULL,
    window_end       INTEGER NOT NULL,
    part             INTEGER NOT NULL, -- 1, 2, ... per series; the file name says .partN from 2 on
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
    compression      TEXT    NOT NULL DEFAULT 'gzip',
    split_partition  INTEGER           -- the one partition of a split file; NULL: every partition
);

INSERT INTO window_files_new (id, instance, topic, window_start, window_end, part, path, format, message_count,
    skipped_count, min_timestamp, max_timestamp, input_size, size, md5, sha256, written_at, local_deleted_at, compression)
SELECT id, instance, topic, window_start, window_end, part, path, format, message_count,
    skipped_count, min_timestamp, max_timestamp, input_size, size, md5, sha256, written_at, local_deleted_at, compression
FROM window_files;

DROP TABLE window_files;
ALTER TABLE window_files_new RENAME TO window_files;

CREATE UNIQUE INDEX window_files_by_part ON window_files (instance, topic, window_start, IFNULL(split_partition, -1), part);
CREATE INDEX window_files_locally_deleted ON window_files (instance, topic, window_start)
    WHERE local_deleted_at IS NOT NULL;
