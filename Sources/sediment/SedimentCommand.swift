import ArgumentParser
import Sediment

@main
struct SedimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sediment",
        abstract: "Archive Kafka topics into a local, SQLite-indexed store; query them by time.",
        discussion: """
            An archive is a directory: segment files of records under segments/, and an index, \
            sediment.sqlite, that maps time and offset ranges to them. Times are accepted as \
            ISO-8601 with a zone, Unix seconds or milliseconds, 'now', or relative (-2h, -15m, -7d).
            """,
        subcommands: [DumpCommand.self, IngestCommand.self, CompactCommand.self, UploadCommand.self, ReuploadCommand.self, QueryCommand.self, StatusCommand.self, VerifyCommand.self, MockClusterCommand.self]
    )
}
