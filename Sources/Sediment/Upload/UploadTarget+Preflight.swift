import Logging
import SedimentObjectStore

extension UploadTarget {
    /// Checks that the target takes writes before anything is consumed or compacted: a
    /// missing bucket, refused credentials, a read-only policy or a store that does not
    /// honour create-only writes then stop the start, instead of the first upload pass
    /// minutes later. The probe object (`ObjectStore.probeWrites`) is deleted again; a
    /// store that refuses only the deletion gets a warning naming what was left, since
    /// uploads never delete.
    public func preflight(logger: Logger) async throws {
        let leftBehind: ObjectStoreError?
        do {
            leftBehind = try await store.probeWrites()
        } catch {
            throw SedimentError(
                .targetRefused, "the upload target \(store.target) cannot be written (checked before starting): \(error)",
                context: ["target": uri, "bucket": store.target.bucket, "prefix": store.target.prefix], underlying: error)
        }
        if let leftBehind {
            logger.warning("the upload target takes writes but kept the probe object: \(leftBehind)")
        } else {
            logger.debug("the upload target takes writes", metadata: ["target": "\(store.target)"])
        }
    }
}
