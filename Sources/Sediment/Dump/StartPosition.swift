/// Where `dump` starts reading a partition the archive holds nothing of yet. A partition
/// with a stored position always resumes from it: the archive is the source of truth.
public enum StartPosition: Sendable, Hashable, CustomStringConvertible {
    case earliest
    case latest
    case offset(Int64)
    /// The first message at or after this time, in milliseconds (Kafka's offsets-for-times).
    case timestamp(Int64)

    /// Reads `earliest`, `latest`, `offset:N` or `timestamp:TIME` (any time `query` accepts).
    public init(parsing text: String, now: Int64) throws {
        switch text {
        case "earliest", "beginning": self = .earliest
        case "latest", "end": self = .latest
        default:
            if text.hasPrefix("offset:"), let offset = Int64(text.dropFirst(7)), offset >= 0 {
                self = .offset(offset)
            } else if text.hasPrefix("timestamp:") {
                self = .timestamp(try TimeExpression.parse(String(text.dropFirst(10)), now: now))
            } else {
                throw SedimentError(
                    .invalidArgument,
                    "cannot read `start` '\(text)': use earliest, latest, offset:N (N ≥ 0) or timestamp:TIME",
                    context: ["start": text])
            }
        }
    }

    public var description: String {
        switch self {
        case .earliest: "earliest"
        case .latest: "latest"
        case .offset(let offset): "offset:\(offset)"
        case .timestamp(let milliseconds): "timestamp:\(Timestamp.iso8601(milliseconds: milliseconds))"
        }
    }
}
