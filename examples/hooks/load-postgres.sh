#!/bin/sh
# Loads one Sediment window file into PostgreSQL: a window hook.
#
#   sediment dump ... --on-window examples/hooks/load-postgres.sh
#   sediment compact --archive ./archive --on-window examples/hooks/load-postgres.sh
#
# One row per message, in one transaction per window file: the rows a previous run loaded
# for this file are deleted, then the file's lines are copied in. Running it twice for a
# window (a retry, a crash of Sediment after the hook ended) leaves the same rows, once;
# two runs at once for one window (the run a crash left behind and the next one) wait for
# each other on an advisory lock.
#
# The connection comes from the standard variables: PGHOST, PGPORT, PGUSER, PGDATABASE,
# PGPASSWORD (or ~/.pgpass), PGSSLMODE... The table is SEDIMENT_PG_TABLE (default
# sediment_messages), created if missing:
#
#   instance, topic, window_start (timestamptz), part, line (its place in the file, from 1),
#   partition, "offset", "timestamp" (timestamptz), message (json: the window's JSON line)
#
# `message` holds the line as Sediment wrote it (kcat's envelope: topic, partition, offset,
# tstype, ts, key, headers, payload; keys, values and header values as strings, or
# {"base64": ...} when they are not UTF-8): query it with ->, ->> and json functions. The
# partition, offset and timestamp are read from the line's text rather than with ->>,
# which refuses a whole line holding \u0000 (a NUL byte in a value), as jsonb would; json
# keeps such a line as it is.
#
# Needs psql, gzip (zstd for zstd windows) and coreutils; jsonl windows only (text windows are values without
# their offsets). Sediment passes the window's fields as SEDIMENT_* variables; the
# manifest on stdin is not needed here.
set -eu

table=${SEDIMENT_PG_TABLE:-sediment_messages}

if [ "${SEDIMENT_FORMAT:-}" != jsonl ]; then
  echo "load-postgres.sh: $SEDIMENT_WINDOW_PATH is a ${SEDIMENT_FORMAT:-?} window; only jsonl windows are loaded" >&2
  exit 2
fi

case "${SEDIMENT_COMPRESSION:-gzip}" in
  gzip) inflate="gzip -dc" ;;
  zstd) inflate="zstd -dcq" ;;
  none) inflate="cat" ;;
  *) echo "load-postgres.sh: $SEDIMENT_WINDOW_PATH has compression '$SEDIMENT_COMPRESSION', which this script does not read" >&2; exit 2 ;;
esac

# The file must be the one Sediment recorded, whole: the inflater's errors inside the pipe below
# would go unseen (sh has no pipefail), and the count is checked again after the copy.
actual=$(sha256sum < "$SEDIMENT_WINDOW_PATH" | cut -d ' ' -f 1)
if [ "$actual" != "$SEDIMENT_SHA256" ]; then
  echo "load-postgres.sh: $SEDIMENT_WINDOW_PATH has SHA-256 $actual, Sediment recorded $SEDIMENT_SHA256" >&2
  exit 1
fi
$inflate "$SEDIMENT_WINDOW_PATH" > /dev/null

# The lines go through COPY in csv format with a delimiter (0x01) and a quote (0x02) that a
# JSON line never holds (JSON escapes every control character), so each line is one field,
# backslashes and quotes included, byte for byte. The SQL comes on descriptor 3, the data on
# psql's stdin (pstdin).
$inflate "$SEDIMENT_WINDOW_PATH" | PGCLIENTENCODING=UTF8 psql -X -q -o /dev/null -v ON_ERROR_STOP=1 --single-transaction \
  -v table="$table" -v instance="$SEDIMENT_INSTANCE" -v topic="$SEDIMENT_TOPIC" \
  -v window_start="$SEDIMENT_WINDOW_START_ISO" -v part="$SEDIMENT_PART" -v messages="$SEDIMENT_MESSAGES" \
  -f /dev/fd/3 3<<'SQL'
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS :"table" (
    instance     text        NOT NULL,
    topic        text        NOT NULL,
    window_start timestamptz NOT NULL,
    part         integer     NOT NULL,
    line         bigint      NOT NULL,
    partition    integer     NOT NULL,
    "offset"     bigint      NOT NULL,
    "timestamp"  timestamptz NOT NULL,
    message      json        NOT NULL,
    PRIMARY KEY (instance, topic, window_start, part, line)
);
SELECT pg_advisory_xact_lock(hashtextextended(:'instance' || '/' || :'topic' || '/' || :'window_start' || '/' || :'part', 0));
DELETE FROM :"table" WHERE instance = :'instance' AND topic = :'topic' AND window_start = :'window_start' AND part = :'part';
CREATE TEMPORARY TABLE sediment_window (line bigserial, message json NOT NULL) ON COMMIT DROP;
\copy sediment_window (message) from pstdin with (format csv, delimiter E'\x01', quote E'\x02')
SELECT count(*) = :'messages'::bigint AS complete FROM sediment_window \gset
\if :complete
\else
  \warn 'load-postgres.sh: the window file does not hold the messages Sediment recorded'
  SELECT 1 / 0 AS incomplete_window;
\endif
INSERT INTO :"table" (instance, topic, window_start, part, line, partition, "offset", "timestamp", message)
SELECT :'instance', :'topic', :'window_start', :'part', line, field[1]::integer, field[2]::bigint,
       timestamptz 'epoch' + field[3]::bigint * interval '1 millisecond', message
FROM (SELECT line, message, regexp_match(message::text,
          '^\{"topic":"(?:[^"\\]|\\.)*","partition":(-?[0-9]+),"offset":(-?[0-9]+),"tstype":"[a-z]*","ts":(-?[0-9]+)') AS field
      FROM sediment_window) AS lines;
SQL
