import ArgumentParser
import Sediment

struct OffsetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offsets",
        abstract: "Consumer-group offsets across a replay.",
        subcommands: [Translate.self]
    )

    struct Translate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "translate",
            abstract: "Move a consumer group's position on the source cluster to a replay's target.",
            discussion: """
                Reads the group's committed offsets on the source cluster (--source-brokers; \
                it does not join the group), or takes them as given (--source-offsets \
                P:O,...), and maps each through the replay's offset map: on the target the \
                group goes on after the last replayed message below its committed offset, \
                from where the partition stood when the replay started if it had consumed \
                none of it, after the last replayed message if it had consumed them all. A \
                partition the group has no committed offset on is left alone.

                Prints the plan: per partition, the source offset and the target offset. \
                --execute commits it for the group on the target cluster (--brokers, default \
                the replay's), refused while the group has active members there.

                A replay that skipped messages (a filter, or key and round-robin spreading a \
                partition) is translated by reading its messages again from the archive, or \
                from the bucket for windows retention took.

                Exact for a replay with --partitioning same. key and round-robin spread a \
                source partition over several target partitions; a position is translated \
                only where one offset per target partition still says exactly which messages \
                the group has read, and refused otherwise. The replay must have finished.
                """
        )

        @OptionGroup var common: ArchiveOption

        @Option(help: ArgumentHelp("The replay whose offset map to use (sediment replay --list).", valueName: "id"))
        var replay: String

        @Option(help: ArgumentHelp("The consumer group.", valueName: "group"))
        var group: String

        @Option(help: ArgumentHelp("The source cluster, to read the group's committed offsets from.", valueName: "brokers"))
        var sourceBrokers: String?

        @Option(help: ArgumentHelp("The group's offsets on the source instead: partition:offset[,partition:offset...], each the next message to read.", valueName: "offsets"))
        var sourceOffsets: String?

        @Option(help: ArgumentHelp("The target cluster (default: the brokers the replay sent to).", valueName: "brokers"))
        var brokers: String?

        @Flag(help: "Commit the plan for the group on the target cluster.")
        var execute = false

        @Option(name: .customLong("kafka-option"), help: ArgumentHelp("A librdkafka setting for the target, key=value; repeat for several.", valueName: "key=value"))
        var kafkaOptions: [String] = []

        @Option(name: .customLong("source-kafka-option"), help: ArgumentHelp("A librdkafka setting for the source, key=value; repeat for several.", valueName: "key=value"))
        var sourceKafkaOptions: [String] = []

        @Flag(help: "Print the plan as JSON.")
        var json = false

        @OptionGroup var credentials: CredentialOptions

        func run() throws {
            try reportingErrors {
                let source: SourceOffsets
                switch (sourceBrokers, sourceOffsets) {
                case (let brokers?, nil): source = .cluster(brokers: brokers, kafkaOptions: try parseKafkaOptions(sourceKafkaOptions))
                case (nil, let offsets?): source = .given(try Self.parseOffsets(offsets))
                case (.some, .some): throw SedimentError(.invalidArgument, "give the group's offsets one way: --source-brokers or --source-offsets, not both")
                case (nil, nil): throw SedimentError(.invalidArgument, "give the group's offsets on the source: --source-brokers B or --source-offsets P:O,...")
                }
                let logger = common.makeLogger()
                let archive = try Archive.open(at: common.archive, logger: logger)
                // A position inside a run of the map that skips offsets is found by reading the
                // replayed messages again, from the bucket where retention took them locally.
                let bucket = credentials.bucketSession(target: nil, logger: logger)
                defer { try? bucket.shutdownWaiting() }
                let translator = OffsetTranslator(archive: archive, bucket: bucket, logger: logger)
                var translation = try translator.plan(replay: replay, group: group, source: source)
                if execute {
                    translation = try translator.execute(translation, brokers: brokers, kafkaOptions: try parseKafkaOptions(kafkaOptions))
                }
                print(json ? try jsonText(translation) : Self.describe(translation))
            }
        }

        /// `0:1200,1:37`: partition and offset pairs.
        static func parseOffsets(_ text: String) throws -> [Int32: Int64] {
            var offsets: [Int32: Int64] = [:]
            for pair in text.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = pair.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, let partition = Int32(parts[0]), let offset = Int64(parts[1]), partition >= 0, offset >= 0 else {
                    throw SedimentError(.invalidArgument, "cannot read --source-offsets '\(text)' at '\(pair)': use partition:offset[,partition:offset...], e.g. 0:1200,1:37")
                }
                guard offsets.updateValue(offset, forKey: partition) == nil else {
                    throw SedimentError(.invalidArgument, "--source-offsets names partition \(partition) twice")
                }
            }
            return offsets
        }

        static func describe(_ translation: OffsetTranslation) -> String {
            var lines = translation.rows.map { row in
                var line = "partition \(row.sourcePartition)"
                if let target = row.targetPartition, target != row.sourcePartition { line += " -> target partition \(target)" }
                guard let source = row.sourceOffset else { return line + ": no committed offset on the source; left alone" }
                guard let target = row.targetOffset else { return line + ": source offset \(source); the replay sent nothing from it" }
                return line + ": source offset \(source) -> target offset \(target)"
            }
            let count = translation.positions.count
            let positions = "\(count) position\(count == 1 ? "" : "s")"
            if let brokers = translation.committedOn {
                lines.append("committed \(positions) of group '\(translation.group)' on '\(translation.targetTopic)' at \(brokers)")
            } else {
                lines.append("group '\(translation.group)': \(positions) to commit on '\(translation.targetTopic)'; nothing committed (--execute commits)")
            }
            return lines.joined(separator: "\n")
        }
    }
}
