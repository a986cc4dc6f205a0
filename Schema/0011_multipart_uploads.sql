-- The multipart uploads this archive starts, per target and key, so that the sweep of an
-- upload's key aborts the ones it left open (a run killed mid-upload, an abort that
-- failed) and never a live upload another process started under the same key. A row is
-- written before CreateMultipartUpload (upload_id NULL until its reply comes, so a lost
-- reply or a kill still leaves the request time to match the store's upload by), and
-- deleted by the sweep of its key that follows the upload's completion or abort (kept
-- while the upload is still open). answered_at is when the
-- create's reply came: an attempt whose reply was lost and retried inside the store client
-- leaves an upload started between requested_at and answered_at that no id names.
CREATE TABLE multipart_uploads (
    id           INTEGER PRIMARY KEY,
    target_id    INTEGER NOT NULL REFERENCES upload_targets (id),
    key          TEXT    NOT NULL,
    upload_id    TEXT,
    requested_at INTEGER NOT NULL,
    answered_at  INTEGER
);

CREATE INDEX multipart_uploads_by_key ON multipart_uploads (target_id, key);
