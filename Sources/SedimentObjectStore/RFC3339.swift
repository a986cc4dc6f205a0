import Foundation

/// Times as stores and credential helpers write them.
enum RFC3339 {
    /// RFC 3339 with or without fractional seconds (`2026-12-01T10:00:00Z`, `...00.123+08:00`):
    /// a credential_process's `Expiration`, ListMultipartUploads' `Initiated`.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions.insert(.withFractionalSeconds)
        return formatter.date(from: text)
    }
}
