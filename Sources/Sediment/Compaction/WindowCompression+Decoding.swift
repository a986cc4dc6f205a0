/// A codec read from JSON (a manifest, saved settings): a name this Sediment does not read
/// is an error that says so, naming the value.
extension WindowCompression {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let codec = WindowCompression(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "compression '\(name)' is not one this Sediment reads (gzip, zstd or none)")
        }
        self = codec
    }
}
