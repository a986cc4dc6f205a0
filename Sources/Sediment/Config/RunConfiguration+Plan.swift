extension RunConfiguration {
    /// What `sediment run --check` prints: per task, its archive, what it consumes and
    /// from where, its windows, target, key template, retention and hook. Secrets never
    /// appear: credentials are named by where they come from, Kafka options by key only.
    public var plan: String {
        var lines = ["\(file): \(tasks.count) task\(tasks.count == 1 ? "" : "s"), checked; nothing was started"]
        for task in tasks { lines += task.planLines }
        if tasks.contains(where: { $0.pipeline.dump.compaction != nil }) {
            lines.append(
                "Window settings a task leaves out are shown with their defaults, which a new topic gets; "
                    + "a topic its archive already holds keeps the settings recorded for it.")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension RunTask {
    var planLines: [String] {
        let dump = pipeline.dump
        var rows: [(String, String)] = [("archive", pipeline.archive)]
        rows.append(("brokers", dump.brokers))
        rows.append(("topics", dump.topics.joined(separator: ", ") + " (instance \(dump.instance))"))
        var consumer = dump.group.map { "group \($0)" } ?? "no group: every partition"
        consumer += "; start \(dump.start)" + (dump.untilCaughtUp ? "; stops once caught up" : "; runs until stopped")
        rows.append(("consumer", consumer))
        if !dump.kafkaOptions.isEmpty {
            rows.append(("kafka options", dump.kafkaOptions.keys.sorted().joined(separator: ", ") + " (values not shown)"))
        }
        var writer = "batches of \(ByteSizeExpression.text(Int64(dump.batchBytes))) or \(DurationExpression.text(dump.linger)), fsync \(pipeline.writer.fsync.rawValue)"
        if let worker = pipeline.writer.worker { writer += ", worker \(worker)" }
        rows.append(("writer", writer))
        if let compaction = dump.compaction {
            let settings = compaction.change.applied(to: WindowSettings())
            rows.append(("windows", [
                "\(DurationExpression.text(milliseconds: settings.granularity)) of \(settings.windowTime.rawValue) time",
                "grace \(DurationExpression.text(milliseconds: settings.grace))", settings.format.rawValue,
                settings.compressionText + (settings.split == .partition ? ", one file per partition" : ""),
                "parts above \(ByteSizeExpression.text(settings.maxFileSize))",
                "written every \(DurationExpression.text(compaction.interval))"
                    + (compaction.closeAllWhenCaughtUp ? ", all closed once caught up" : ""),
            ].joined(separator: ", ") + (settings.format == .text ? "; values not UTF-8: \(settings.invalidUTF8.rawValue)" : "")))
            rows.append(("retention", retentionText(compaction.retention)))
        } else {
            rows.append(("windows", "none (compact: false): run `sediment compact` separately"))
        }
        if let upload {
            let credentials = upload.uri.lowercased().hasPrefix("file:") ? "" : " (credentials: \(upload.credentials.summary))"
            rows.append(("target", upload.uri + credentials))
            rows.append(("key template", upload.keyTemplate))
            rows.append(("uploads", "parts of \(ByteSizeExpression.text(upload.partSize)) above \(ByteSizeExpression.text(upload.multipartThreshold)), \(upload.concurrency) at a time"))
        } else {
            rows.append(("target", "none: windows stay local"))
        }
        rows.append(("hook", onWindowHook.map { "on-window: \($0.command), retried \($0.retries) times" } ?? "none"))
        let width = rows.map(\.0.count).max() ?? 0
        return ["task \(name)" + (location.map { " (line \($0.line))" } ?? "")]
            + rows.map { "  " + $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }
    }

    private func retentionText(_ retention: RetentionPolicy) -> String {
        var parts = [retention.deleteCompactedSegments
            ? "segments deleted once their messages are in jsonl windows every target confirmed"
            : "segments kept"]
        if let local = retention.localWindowRetention {
            parts.append("window files deleted \(DurationExpression.text(milliseconds: local)) after their window ends, once uploaded")
        } else {
            parts.append("window files kept")
        }
        return parts.joined(separator: "; ")
    }
}
