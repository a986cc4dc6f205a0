-- Per topic, the widest time span of any one block. A time-range query looks for
-- blocks starting no earlier than `from - max_block_span`, which keeps the scan
-- of the time index short even when a partition's timestamps go backwards.

CREATE TABLE topics (
    instance       TEXT    NOT NULL,
    topic          TEXT    NOT NULL,
    max_block_span INTEGER NOT NULL,
    PRIMARY KEY (instance, topic)
) WITHOUT ROWID;

INSERT INTO topics (instance, topic, max_block_span)
SELECT instance, topic, MAX(max_timestamp - min_timestamp) FROM blocks GROUP BY instance, topic;
