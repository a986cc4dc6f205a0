import ArgumentParser
import Logging
import Sediment
import SedimentObjectStore

/// `--credentials-file` and `--profile`: where a store's credentials come from when the
/// environment has none, for every command that opens a store. Both sources are read
/// again while a command runs (see `Credentials.provider`).
struct CredentialOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "An INI credentials file (as ~/.aws/credentials) used when the environment has none; read again whenever it changes. A profile may give credential_process = COMMAND instead of keys.",
        valueName: "path"))
    var credentialsFile: String?

    @Option(help: ArgumentHelp("The section of the credentials file.", valueName: "name"))
    var profile = "default"

    /// The environment, then the file if one is given.
    var source: CredentialSource {
        credentialsFile.map { .environmentThenFile(path: $0, profile: profile) } ?? .environment
    }

    /// The store of `uri`, its credentials loaded; secrets never appear in what is printed.
    func store(for uri: String, logger: Logger) throws -> any ObjectStore {
        let target = try ObjectTarget(parsing: uri)
        return try target.makeStore(credentials: try source.provider(for: target, logger: logger), logger: logger)
    }

    /// The buckets a query or a replay may read, each store opened the first time it is needed.
    func bucketSession(target: BucketSession.Target?, logger: Logger) -> BucketSession {
        BucketSession(target: target) { uri in try store(for: uri, logger: logger) }
    }
}
