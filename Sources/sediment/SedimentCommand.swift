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

            A failure prints one line, 'sediment: error: ...', and exits with the code of its \
            class (sysexits(3)): 64 usage (the command line: a flag, a name, a target URI, no \
            credentials or a credential_process that fails; a config file's problems), 65 data \
            (a malformed input line, a topic or range not held, a corrupt file, a directory \
            that is not an archive or is from a newer Sediment, a bucket key holding other \
            bytes), 74 I/O (the file system, the index, an archive another process holds), 69 \
            remote (Kafka or the object store failing or refusing, also at the write probe \
            that checks an upload target before any work), 1 anything else. dump, run and \
            mock-cluster stop on SIGINT or SIGTERM with exit 0; a second signal ends dump and \
            run at once.
            """,
        subcommands: [
            DumpCommand.self, RunCommand.self, IngestCommand.self, CompactCommand.self, UploadCommand.self, ReuploadCommand.self,
            RestoreCommand.self, QueryCommand.self, ReplayCommand.self, OffsetsCommand.self, StatusCommand.self, VerifyCommand.self,
            ServeCommand.self, MockClusterCommand.self,
        ]
    )
}
