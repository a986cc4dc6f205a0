import Logging
import Sediment
import SedimentObjectStore

/// The buckets a query or a replay may read, each store opened with credentials as
/// `upload` loads them (the environment, or the credentials file) the first time it is needed.
func makeBucketSession(target: BucketSession.Target?, credentialsFile: String?, profile: String, logger: Logger) -> BucketSession {
    BucketSession(target: target) { uri in
        let target = try ObjectTarget(parsing: uri)
        return try target.makeStore(credentials: try Credentials.load(for: target, file: credentialsFile, profile: profile), logger: logger)
    }
}
