extension Duration {
    /// Whole milliseconds for librdkafka's `int timeout_ms` arguments, rounded up so that
    /// a short positive timeout does not become a non-blocking 0; clamped to `Int32`.
    var timeoutMilliseconds: Int32 {
        guard self > .zero else { return 0 }
        let (seconds, attoseconds) = components
        let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
        guard !milliseconds.overflow else { return Int32.max }
        let total = milliseconds.partialValue + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: total)
    }
}
