extension SedimentError {
    /// Names the windows (up to five) and where their copies are.
    static func heldOnlyRemotely(
        _ windows: [RemoteOnlyWindow], instance: String, topic: String, range: Range<Int64>, bucketRead: Bool = false
    ) -> SedimentError {
        let shown = windows.prefix(5).map { window in
            let copies = window.copies.map { "\($0.target) as \($0.key)" }.joined(separator: ", ")
            return "\(window.path) (" + (copies.isEmpty ? "no upload recorded" : "uploaded to \(copies)") + ")"
        }
        // An open-ended query's bounds are Int64's limits, past any calendar.
        func time(_ milliseconds: Int64, _ unbounded: String) -> String {
            (-62_135_596_800_000..<253_402_300_800_000).contains(milliseconds) ? Timestamp.iso8601(milliseconds: milliseconds) : unbounded
        }
        var message = "part of topic '\(topic)' (instance '\(instance)') from \(time(range.lowerBound, "the beginning"))"
        message += " to \(time(range.upperBound, "the end")) is no longer held locally: local retention deleted "
        message += "\(windows.count == 1 ? "the window file" : "\(windows.count) window files") after upload, and the segments are gone too: "
        message += shown.joined(separator: "; ")
        if windows.count > shown.count { message += "; and \(windows.count - shown.count) more" }
        message += bucketRead
            ? ". No bucket this query reads holds them; name one that does with `target`, or narrow the range."
            : ". Narrow the range to what the archive holds, or read those windows from the bucket."
        return SedimentError(.notHeldLocally, message, context: ["topic": topic, "instance": instance])
    }
}
