import Foundation
import Sediment

/// One topic's windows as the console's timeline draws them: a cell per window (its parts
/// together), placed by start time, colored by state.
struct WindowTimeline {
    enum State: String {
        /// Written, not confirmed by every target that recorded it (or there is none).
        case local
        case uploaded
        /// An upload of one of its parts failed.
        case failed
        /// The window hook gave up on it.
        case hookFailed = "hook-failed"

        var label: String {
            switch self {
            case .local: "local only"
            case .uploaded: "uploaded"
            case .failed: "upload failed"
            case .hookFailed: "hook failed"
            }
        }
    }

    struct Cell {
        var start: Int64
        var end: Int64
        var parts: [WindowListing]
        var state: State
    }

    var instance: String
    var topic: String
    var cells: [Cell]

    init(instance: String, topic: String, listing: [WindowListing]) {
        self.instance = instance
        self.topic = topic
        cells = Dictionary(grouping: listing, by: \.file.windowStart).map { start, parts in
            let uploads = parts.flatMap(\.uploads)
            let state: State =
                if uploads.contains(where: { $0.state == "failed" }) { .failed }
                else if parts.contains(where: { $0.hook?.state == .failed }) { .hookFailed }
                else if !uploads.isEmpty && parts.allSatisfy({ part in !part.uploads.isEmpty && part.uploads.allSatisfy { $0.state == "uploaded" } }) { .uploaded }
                else { .local }
            return Cell(start: start, end: parts[0].file.windowEnd, parts: parts.sorted { $0.file.part < $1.file.part }, state: state)
        }.sorted { $0.start < $1.start }
    }

    /// An SVG: hours along the axis, a row per day... kept to one row, scrolled sideways
    /// when long, each cell a `rect` carrying its window's details for the click handler.
    func svg() -> String {
        guard let first = cells.first, let last = cells.last else { return "<p class=\"empty\">no windows yet</p>" }
        let hour: Int64 = 3_600_000
        let origin = first.start / hour * hour
        let span = max(hour, (last.end + hour - 1) / hour * hour - origin)
        let pixelsPerHour = 96.0
        let width = Double(span) / Double(hour) * pixelsPerHour
        var svg = "<svg class=\"timeline\" width=\"\(Int(width) + 2)\" height=\"46\" role=\"img\" aria-label=\"windows of \(HTML.escape(topic))\">"
        var tick = origin
        while tick <= origin + span {
            let x = Double(tick - origin) / Double(hour) * pixelsPerHour
            svg += "<line x1=\"\(x)\" y1=\"0\" x2=\"\(x)\" y2=\"30\" class=\"tick\"/>"
            svg += "<text x=\"\(x + 2)\" y=\"42\" class=\"hour\">\(Self.hourLabel(tick))</text>"
            tick += hour
        }
        for cell in cells {
            let x = Double(cell.start - origin) / Double(hour) * pixelsPerHour
            let w = max(2, Double(cell.end - cell.start) / Double(hour) * pixelsPerHour - 1)
            let title = "\(Timestamp.iso8601(milliseconds: cell.start)) \(cell.state.label), \(cell.parts.count) part\(cell.parts.count == 1 ? "" : "s")"
            svg += "<rect class=\"window \(cell.state.rawValue)\" data-window-start=\"\(cell.start)\" data-state=\"\(cell.state.rawValue)\""
            svg += " data-details=\"\(HTML.escape(details(cell)))\" x=\"\(x)\" y=\"2\" width=\"\(w)\" height=\"26\" tabindex=\"0\">"
            svg += "<title>\(HTML.escape(title))</title></rect>"
        }
        return svg + "</svg>"
    }

    /// What a click shows: per part, its file, counts, size, checksums, and per target the
    /// key, state, attempts and error.
    private func details(_ cell: Cell) -> String {
        var lines = ["window \(Timestamp.iso8601(milliseconds: cell.start)) to \(Timestamp.iso8601(milliseconds: cell.end)): \(cell.state.label)"]
        for part in cell.parts {
            let file = part.file
            lines.append("part \(file.part): \(file.path)\(file.locallyDeleted ? " (local copy deleted)" : "")")
            lines.append("  \(file.count) messages, \(file.size) bytes (\(file.inputSize) before compression), \(file.format)")
            lines.append("  md5 \(file.md5), sha256 \(file.sha256)")
            if part.uploads.isEmpty { lines.append("  not uploaded") }
            for upload in part.uploads {
                lines.append("  \(upload.target): \(upload.key): \(upload.state), \(upload.attempts) attempt\(upload.attempts == 1 ? "" : "s")"
                    + (upload.error.map { " (\($0))" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func hourLabel(_ milliseconds: Int64) -> String {
        let text = Timestamp.iso8601(milliseconds: milliseconds)
        // 2026-11-30T16:00:00Z → "11-30 16h"
        let date = text.dropFirst(5).prefix(5)
        let hour = text.dropFirst(11).prefix(2)
        return "\(date) \(hour)h"
    }
}
