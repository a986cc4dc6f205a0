-- The codec of window files: gzip (every file before this), zstd or none. A topic's
-- settings name the codec of windows from their `since` on; each file records its own,
-- which tells its readers how to inflate its members.
ALTER TABLE window_settings ADD COLUMN compression TEXT NOT NULL DEFAULT 'gzip'; -- gzip | zstd | none
ALTER TABLE window_files ADD COLUMN compression TEXT NOT NULL DEFAULT 'gzip';
