import Foundation

/// The object `probeWrites` puts under a target's prefix and deletes again.
enum WriteProbe {
    /// Hidden (a leading dot), marked as Sediment's, and unique per check so that two
    /// processes probing one prefix never meet on a create-only write.
    static func key() -> String {
        ".sediment-probe-" + String(UInt64.random(in: .min ... .max), radix: 16)
    }

    static let payload = ObjectPayload(bytes: Data("written by sediment to check that uploads can go here; safe to delete\n".utf8))
}

extension ObjectStore {
    /// Through the ordinary requests: PUT (create-only as uploads are), then DELETE.
    public func probeWrites() async throws -> ObjectStoreError? {
        let key = WriteProbe.key()
        _ = try await putObject(key: key, payload: WriteProbe.payload, metadata: [:], ifAbsent: target.conditionalWrites)
        do {
            try await deleteObject(key: key)
            return nil
        } catch let error as ObjectStoreError {
            return error
        }
    }
}
