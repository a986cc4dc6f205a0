-- The generic hook (`--on-window CMD`): one row per window file whose hook has been
-- tried, so that each window's hook succeeds once across restarts. A window file on
-- disk with no row has never been tried: it is pending.
--
-- pending -> running -> done
--               |-> pending (failed, retried at next_attempt_at) -> ... -> failed
-- `running` is recorded before the command starts: a row found `running` by the next
-- process was cut short by a crash, and runs again (its `attempts` tells the command).
-- `failed` rows get a new series of retries when a process with a hook starts.
CREATE TABLE window_hooks (
    file_id         INTEGER PRIMARY KEY REFERENCES window_files (id),
    state           TEXT    NOT NULL, -- pending | running | done | failed
    attempts        INTEGER NOT NULL, -- times the command was started, all processes together
    failures        INTEGER NOT NULL, -- failed runs since the last start of a series of retries
    last_error      TEXT,             -- the exit status and the tail of stderr (at most 2 KiB)
    next_attempt_at INTEGER NOT NULL, -- milliseconds; a pending row waits until then
    started_at      INTEGER,
    done_at         INTEGER,
    updated_at      INTEGER NOT NULL
);

CREATE INDEX window_hooks_by_state ON window_hooks (state);
