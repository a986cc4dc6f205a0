/// Object storage behind one protocol: COS, S3-compatible stores and a local directory.
public protocol ObjectStore: Sendable {}
