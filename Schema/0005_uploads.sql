-- Upload: the object stores windows go to, and each window file's state per target.

-- A target as given on the command line (a URI never holds a secret: credentials come
-- from the environment or a credentials file). `continuous` targets (upload, or dump
-- and compact with --target) must confirm a window before local retention deletes
-- anything it holds; targets used only by `reupload` do not.
CREATE TABLE upload_targets (
    id           INTEGER PRIMARY KEY,
    uri          TEXT    NOT NULL UNIQUE,
    key_template TEXT    NOT NULL,
    continuous   INTEGER NOT NULL,
    added_at     INTEGER NOT NULL
);

-- pending -> uploading -> uploaded | failed; every transition may be repeated, so a
-- rerun after any crash is safe. `key` is relative to the target's prefix.
CREATE TABLE window_uploads (
    file_id     INTEGER NOT NULL REFERENCES window_files (id),
    target_id   INTEGER NOT NULL REFERENCES upload_targets (id),
    key         TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    etag        TEXT,
    uploaded_at INTEGER,
    error       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (file_id, target_id)
) WITHOUT ROWID;

CREATE INDEX window_uploads_by_state ON window_uploads (target_id, state);
