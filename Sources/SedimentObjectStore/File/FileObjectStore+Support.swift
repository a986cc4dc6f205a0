import Foundation

extension FileObjectStore {
    /// The file of `key`, refusing keys that could leave the directory or hit hidden entries.
    func objectPath(_ key: String, operation: String) throws -> String {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
            !key.hasPrefix(".sediment-"), !key.contains(".tmp-"), !key.contains("\0")
        else {
            throw ObjectStoreError(
                .invalidArgument, message: "key is not a relative path of plain names", operation: operation,
                bucket: target.bucketDescription, key: key)
        }
        return root + "/" + key
    }

    func sidecarPath(_ key: String) -> String {
        root + "/" + Self.metaDirectory + "/" + key + ".json"
    }

    func readSidecar(_ key: String) -> Sidecar? {
        guard let data = FileManager.default.contents(atPath: sidecarPath(key)) else { return nil }
        return try? JSONDecoder().decode(Sidecar.self, from: data)
    }

    func writeSidecar(_ key: String, _ sidecar: Sidecar) throws {
        let path = sidecarPath(key)
        let writer = try FileWriter(temporaryBeside: path)
        try writer.write(try JSONEncoder().encode(sidecar))
        try writer.commit(to: path)
    }

    /// Runs blocking file work off the cooperative pool, naming the object in errors.
    func run<T: Sendable>(_ operation: String, _ key: String, _ body: @Sendable @escaping () throws -> T) async throws -> T {
        do {
            return try await BlockingIO.run(body)
        } catch var error as ObjectStoreError {
            error.operation = error.operation ?? operation
            error.bucket = error.bucket ?? target.bucketDescription
            error.key = error.key ?? target.fullKey(key)
            throw error
        }
    }

    /// Feeds the payload's bytes to `body` in bounded chunks.
    static func copy(_ payload: ObjectPayload, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch payload.source {
        case .bytes(let data):
            try data.withUnsafeBytes { try body($0) }
        case .file(let path, let offset, let length):
            try FileReader(path: path).forEachChunk(offset: offset, length: length, body)
        }
    }

    /// Offset and length of `range` in the file, as S3 clamps them; missing key is NoSuchKey.
    static func resolve(_ range: ClosedRange<Int64>?, path: String, key: String) throws -> (Int64, Int64) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else {
            throw ObjectStoreError(.noSuchKey, serverCode: "NoSuchKey", serverMessage: "The specified key does not exist.")
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        guard let range else { return (0, size) }
        guard range.lowerBound < size else {
            throw ObjectStoreError(.http(416), message: "range starts past the end (\(size) bytes)", httpStatus: 416)
        }
        return (range.lowerBound, Swift.min(range.upperBound, size - 1) - range.lowerBound + 1)
    }

    static func lowercased(_ metadata: [String: String]) -> [String: String] {
        Dictionary(metadata.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
    }
}

extension FileObjectStore {
    /// Writes the payload to `path` through a temporary file, refusing bytes whose MD5
    /// differs from the payload's: the same check a store makes with Content-MD5.
    static func store(_ payload: ObjectPayload, at path: String, what: String, ifAbsent: Bool = false) throws {
        let writer = try FileWriter(temporaryBeside: path)
        var digests = FileDigests(withSHA256: false)
        try copy(payload) { chunk in
            digests.update(chunk)
            try writer.write(chunk)
        }
        guard digests.md5 == payload.md5 else {
            writer.discard()
            throw ObjectStoreError(.checksumMismatch, message: "\(what): the bytes read differ from the payload's MD5")
        }
        try writer.commit(to: path, replacing: !ifAbsent)
    }
}
