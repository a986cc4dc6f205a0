import Logging

/// Fills an archive from lines of text: kcat's `-J` envelopes, Sediment's own JSON lines,
/// or plain lines taken as values. Lines are gathered into batches; each batch is
/// appended whole or not at all, so a bad line leaves nothing of its batch behind.
public struct Ingestor {
    public enum InputFormat: String, Sendable, CaseIterable {
        /// `kcat -C -J` output.
        case kcatJSON = "kcat-json"
        /// Sediment's lossless JSON lines (what `query --format jsonl` prints).
        case jsonl
        /// One value per line, stamped with the ingest time, in partition 0.
        case lines
    }

    public struct Options: Sendable {
        public var instance = "local"
        /// Required for `lines`; for JSON lines, the topic every line must carry, or nil
        /// to take each line's own `topic`.
        public var topic: String?
        public var format: InputFormat = .kcatJSON
        /// Skip (and count) malformed lines instead of stopping at the first one. Default false.
        public var skipInvalid = false
        /// A batch is appended once it holds this many bytes of records. Default 16 MiB.
        public var batchBytes = 16 << 20
        /// For `lines`: line N of the input (from 0) gets offset `firstOffset + N`, which
        /// makes re-feeding the same input idempotent. nil continues after the stored position.
        public var firstOffset: Int64?

        public init() {}

        /// Checks the options on their own, before any archive is opened.
        public func validate() throws {
            try ArchiveName.validate(instance, as: "instance")
            if let topic { try ArchiveName.validate(topic, as: "topic") }
            if format == .lines && topic == nil {
                throw SedimentError(.invalidArgument, "`topic` is required with `inputFormat` lines")
            }
            if batchBytes <= 0 { throw SedimentError(.invalidArgument, "`batchBytes` must be positive, got \(batchBytes)") }
            if let firstOffset, firstOffset < 0 { throw SedimentError(.invalidArgument, "`firstOffset` must not be negative, got \(firstOffset)") }
        }
    }

    public struct Summary: Sendable, Hashable, Codable, AppendCounting {
        public var lines = 0
        public var stored = 0
        /// Messages already in the archive (at or below the stored position).
        public var alreadyStored = 0
        public var invalidSkipped = 0
        public var batches = 0
        public var bytes = 0
    }

    let writer: ArchiveWriter
    let options: Options
    let logger: Logger
    let now: @Sendable () -> Int64

    public init(writer: ArchiveWriter, options: Options, logger: Logger, now: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds) throws {
        try options.validate()
        self.writer = writer
        self.options = options
        self.logger = logger
        self.now = now
    }

    /// Reads `descriptor` to its end. `name` is how errors refer to the input.
    public func run(descriptor: Int32, name: String, progress: ((Summary) -> Void)? = nil) throws -> Summary {
        let reader = LineReader(descriptor: descriptor, name: name)
        var appender = BatchAppender(writer: writer, instance: options.instance, summary: Summary())
        do {
            while let outcome = try reader.nextLine({ line in try add(line, to: &appender, lineNumber: reader.lineNumber, name: name) }) {
                appender.summary.lines += 1
                if case .invalid = outcome { appender.summary.invalidSkipped += 1 }
                if appender.byteCount >= options.batchBytes {
                    try appender.flush()
                    progress?(appender.summary)
                }
            }
            try appender.flush()
        } catch {
            // What is in flight was valid and complete: let it land before reporting.
            try? appender.finish()
            throw error
        }
        try appender.finish()
        return appender.summary
    }

    private enum LineOutcome { case added, invalid }

    private func add(_ line: UnsafeRawBufferPointer, to appender: inout BatchAppender<Summary>, lineNumber: Int, name: String) throws -> LineOutcome {
        if options.format == .lines {
            let topic = options.topic!
            let offset = options.firstOffset.map { $0.addingReportingOverflow(Int64(lineNumber - 1)) }.map { $0.overflow ? Int64.max : $0.partialValue }
                ?? appender.nextOffset(topic: topic, partition: 0)
            guard offset < Int64.max else {
                throw SedimentError(
                    .invalidArgument, "\(name):\(lineNumber): the line's offset would pass the largest Kafka offset (\(Int64.max - 1)); use a smaller `firstOffset`",
                    context: ["input": name, "line": "\(lineNumber)"])
            }
            // Read before the closure, which then captures no `self`: a capture of `self`
            // copied the Ingestor (retaining each of its references) once a line.
            let timestamp = now()
            try appender.withBatch(for: topic) { batch in
                batch.append(partition: 0, offset: offset, timestamp: timestamp, timestampType: .logAppendTime, key: nil, value: line)
            }
            return .added
        }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return .added }
        do {
            let decoded = try JSONLineDecoder.decode(line)
            guard let topic = options.topic ?? decoded.topic else {
                throw JSONLineError(reason: "the line has no \"topic\" field and no `topic` was given", column: 1)
            }
            if let own = decoded.topic, own != topic {
                throw JSONLineError(reason: "the line is for topic '\(own)', not `topic` '\(topic)'", column: 1)
            }
            // The codec reads any integers; an archive holds Kafka's partitions and offsets.
            let message = decoded.message
            guard message.partition >= 0, message.offset >= 0, message.offset < Int64.max else {
                throw JSONLineError(
                    reason: "partition \(message.partition) offset \(message.offset) is not a Kafka position (partitions and offsets start at 0, offsets end before \(Int64.max))",
                    column: 1)
            }
            try appender.withBatch(for: topic) { batch in batch.append(decoded.message) }
            return .added
        } catch let error as JSONLineError {
            if options.skipInvalid {
                logger.debug("skipped invalid line", metadata: ["input": "\(name)", "line": "\(lineNumber)", "reason": "\(error.reason)"])
                return .invalid
            }
            throw SedimentError(
                .invalidInput, "\(name):\(lineNumber):\(error.column): \(error.reason); nothing of the batch holding this line was stored (use `skipInvalid` to skip such lines)",
                context: ["input": name, "line": "\(lineNumber)", "column": "\(error.column)"])
        }
    }
}
