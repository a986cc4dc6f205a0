-- Which `sediment dump` worker archived each partition: in a consumer group several
-- workers archive one topic, and keys that could collide must tell them apart.
-- NULL for partitions filled by `ingest`, or before this column existed.

ALTER TABLE partitions ADD COLUMN worker TEXT;
