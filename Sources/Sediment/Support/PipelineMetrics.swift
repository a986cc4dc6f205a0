import Metrics

/// What a long-running task reports through swift-metrics: a no-op until the process
/// bootstraps a backend (`sediment run` and `dump` with `--http` bootstrap Prometheus and
/// serve it on `/metrics`). Each call looks its metric up by label and dimensions, so they
/// are made once a batch, a pass or a window, never once a message.
///
/// | metric | kind | dimensions |
/// |---|---|---|
/// | `sediment_consumed_messages_total`, `sediment_consumed_bytes_total` | counter | topic |
/// | `sediment_consumer_lag_messages` | gauge | topic, partition |
/// | `sediment_batch_commit_seconds` | histogram | |
/// | `sediment_windows_written_total` | counter | topic |
/// | `sediment_windows_uploaded_total`, `sediment_windows_upload_failed_total`, `sediment_upload_bytes_total` | counter | topic |
/// | `sediment_upload_seconds` | histogram | |
/// | `sediment_hook_runs_total` | counter | result (`done`, `failed`) |
/// | `sediment_last_success_timestamp_seconds` | gauge | stage (`consume`, `commit`, `compact`, `upload`, `hook`) |
/// | `sediment_archive_bytes`, `sediment_fetch_paused` (1 while `maxArchiveBytes` holds fetching) | gauge | |
public enum PipelineMetrics {
    public enum Stage: String, Sendable, CaseIterable {
        case consume, commit, compact, upload, hook
    }

    /// Messages and bytes made durable in the archive.
    static func consumed(topic: String, messages: Int, bytes: Int) {
        Counter(label: "sediment_consumed_messages_total", dimensions: [("topic", topic)]).increment(by: messages)
        Counter(label: "sediment_consumed_bytes_total", dimensions: [("topic", topic)]).increment(by: bytes)
    }

    /// How far the archive is behind the partition's high watermark.
    static func lag(topic: String, partition: Int32, messages: Int64) {
        Gauge(label: "sediment_consumer_lag_messages", dimensions: [("topic", topic), ("partition", String(partition))]).record(messages)
    }

    /// One batch appended: written, fsynced and committed to the index.
    static func batchCommitted(in duration: Duration) {
        Metrics.Timer(label: "sediment_batch_commit_seconds").record(duration: duration)
    }

    static func windowsWritten(topic: String, files: Int) {
        Counter(label: "sediment_windows_written_total", dimensions: [("topic", topic)]).increment(by: files)
    }

    static func windowUploaded(topic: String, bytes: Int64, in duration: Duration) {
        Counter(label: "sediment_windows_uploaded_total", dimensions: [("topic", topic)]).increment()
        Counter(label: "sediment_upload_bytes_total", dimensions: [("topic", topic)]).increment(by: Int(bytes))
        Metrics.Timer(label: "sediment_upload_seconds").record(duration: duration)
    }

    static func uploadFailed(topic: String) {
        Counter(label: "sediment_windows_upload_failed_total", dimensions: [("topic", topic)]).increment()
    }

    /// The archive's size on disk, measured by a dump with `maxArchiveBytes`, and whether
    /// that limit has fetching paused.
    static func archiveSize(bytes: Int64, fetchPaused: Bool) {
        Gauge(label: "sediment_archive_bytes").record(bytes)
        Gauge(label: "sediment_fetch_paused").record(fetchPaused ? 1 : 0)
    }

    static func hookRun(succeeded: Bool) {
        Counter(label: "sediment_hook_runs_total", dimensions: [("result", succeeded ? "done" : "failed")]).increment()
    }

    /// The stage just did its work; the gauge holds the wall-clock time, in seconds.
    static func succeeded(_ stage: Stage, at milliseconds: Int64 = WallClock.nowMilliseconds()) {
        Gauge(label: "sediment_last_success_timestamp_seconds", dimensions: [("stage", stage.rawValue)])
            .record(Double(milliseconds) / 1000)
    }
}
