import Foundation
import Sediment

/// The console at `/`: one server-rendered page, no external assets (it works offline),
/// a little inline JavaScript for the timeline's details. Sections: topics and their
/// partitions, a timeline of windows per topic, a query form whose results the server
/// renders (the form submits to `/` by GET, so its URL is the query), and the last errors.
struct ConsolePage {
    let source: ArchiveSource
    let bucket: BucketSession?
    /// Where the page is served from: its form submits there.
    var base = "/"

    /// Windows from this many hours before the newest are drawn (`?hours=`).
    static let defaultHours: Int64 = 48
    static let defaultLimit = 50
    /// Nothing loads from elsewhere; the page's own style and script only.
    static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'"

    func render(_ parameters: [String: String]) throws -> String {
        let archive = try source.open()
        let report = try archive.statusReport()
        let topics = try archive.topics().sorted { ($0.instance, $0.topic) < ($1.instance, $1.topic) }
        let hours = parameters["hours"].flatMap { Int64($0) }.map { max(1, $0) } ?? Self.defaultHours
        var timelines: [WindowTimeline] = []
        for (instance, topic) in topics {
            let newest = report.windows?.first { $0.instance == instance && $0.topic == topic }?.lastWindowEnd ?? 0
            let listing = try archive.windowListing(instance: instance, topic: topic, range: (newest - hours * 3_600_000)..<Int64.max)
            timelines.append(WindowTimeline(instance: instance, topic: topic, listing: listing))
        }
        var page = Self.head(title: "Sediment: \(URL(fileURLWithPath: archive.layout.root).lastPathComponent)")
        page += "<header><h1>Sediment</h1><span class=\"archive\">archive \(HTML.escape(URL(fileURLWithPath: archive.layout.root).lastPathComponent))</span></header><main>"
        page += topicsSection(report)
        page += timelineSection(timelines, hours: hours)
        page += try querySection(topics: topics, parameters: parameters)
        page += errorsSection(report, timelines: timelines)
        return page + "</main>" + Self.script + "</body></html>"
    }

    private func topicsSection(_ report: StatusReport) -> String {
        var html = "<section id=\"topics\"><h2>Topics</h2>"
        guard !report.partitions.isEmpty else { return html + "<p class=\"empty\">no topics yet</p></section>" }
        let lag = Dictionary(uniqueKeysWithValues: (report.lag ?? []).map { ("\($0.topic)/\($0.partition)", $0.lag) })
        for (key, partitions) in Dictionary(grouping: report.partitions, by: { "\($0.instance)/\($0.topic)" }).sorted(by: { $0.key < $1.key }) {
            html += "<h3>\(HTML.escape(key))</h3><div class=\"scroll\"><table class=\"partitions\"><thead><tr>"
            html += "<th>partition</th><th>position</th><th>messages</th><th>bytes</th><th>from</th><th>to</th><th>lag</th></tr></thead><tbody>"
            for p in partitions.sorted(by: { $0.partition < $1.partition }) {
                html += "<tr><td>\(p.partition)</td><td>\(p.position)</td><td>\(p.messages)</td><td>\(ByteCount(p.bytes))</td>"
                html += "<td>\(p.minTimestamp.map(Timestamp.iso8601(milliseconds:)) ?? "-")</td><td>\(p.maxTimestamp.map(Timestamp.iso8601(milliseconds:)) ?? "-")</td>"
                html += "<td>\(lag["\(p.topic)/\(p.partition)"].map(String.init) ?? "unknown")</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        return html + "</section>"
    }

    private func timelineSection(_ timelines: [WindowTimeline], hours: Int64) -> String {
        var html = "<section id=\"timeline\"><h2>Windows</h2><p class=\"legend\">the last \(hours) hours of windows: "
        for state in [WindowTimeline.State.local, .uploaded, .failed, .hookFailed] {
            html += "<span class=\"swatch \(state.rawValue)\"></span>\(state.label) "
        }
        html += "· click a window for its parts</p>"
        for timeline in timelines {
            html += "<h3>\(HTML.escape(timeline.instance))/\(HTML.escape(timeline.topic)) <small>\(timeline.cells.count) windows</small></h3>"
            html += "<div class=\"scroll\">\(timeline.svg())</div>"
        }
        return html + "<pre id=\"details\" class=\"details\">no window selected</pre></section>"
    }

    private func querySection(topics: [(instance: String, topic: String)], parameters: [String: String]) throws -> String {
        let chosen = parameters["topic"] ?? ""
        var html = "<section id=\"query\"><h2>Query</h2><form method=\"get\" action=\"\(HTML.escape(base))#query\" class=\"query\"><label>topic <select name=\"topic\">"
        for (instance, topic) in topics {
            html += "<option value=\"\(HTML.escape(topic))\"\(topic == chosen ? " selected" : "")>\(HTML.escape(instance))/\(HTML.escape(topic))</option>"
        }
        html += "</select></label>"
        for (name, placeholder) in [("from", "-1h or 2026-11-30T10:00:00Z"), ("to", "now"), ("key", "any"), ("limit", "\(Self.defaultLimit)")] {
            html += "<label>\(name) <input name=\"\(name)\" value=\"\(HTML.escape(parameters[name] ?? ""))\" placeholder=\"\(HTML.escape(placeholder))\"></label>"
        }
        html += "<button type=\"submit\">query</button></form>"
        guard !chosen.isEmpty else { return html + "</section>" }
        do {
            html += try results(topic: chosen, parameters: parameters)
        } catch let error as APIError {
            html += "<p class=\"error\" id=\"query-error\">\(HTML.escape(error.message))</p>"
        }
        return html + "</section>"
    }

    /// The first messages of the query, as a table; values that are not UTF-8 are marked.
    private func results(topic: String, parameters: [String: String]) throws -> String {
        let archive = try source.open()
        let now = WallClock.nowMilliseconds()
        // The form's empty fields: the last hour.
        let selection = try TopicSelection(
            parameters.merging(["topic": topic]) { _, chosen in chosen }, archive: archive, defaultFrom: now - 3_600_000, defaultTo: now)
        let (instance, from, to) = (selection.instance, selection.range.lowerBound, selection.range.upperBound)
        let limitText = parameters["limit"].flatMap { $0.isEmpty ? nil : $0 }
        guard let limit = limitText.map({ Int($0) }) ?? Self.defaultLimit, (1...1000).contains(limit) else {
            throw APIError.badParameter("limit", "limit must be 1 to 1000")
        }
        let keys = parameters["key"].flatMap { $0.isEmpty ? nil : [Array($0.utf8)] } ?? []
        let query = MessageQuery(topics: [ArchivedTopic(instance: instance, topic: topic)], range: from..<to, filter: MessageFilter(keys: keys))
        let cursor: QueryCursor
        do { cursor = try archive.messages(query, bucket: bucket) } catch { throw APIError(error) }
        var rows = ""
        var count = 0
        do {
            while count < limit, let item = try cursor.next() {
                count += 1
                let m = item.message
                rows += "<tr class=\"message\"><td>\(m.partition)</td><td>\(m.offset)</td><td>\(Timestamp.iso8601(milliseconds: m.timestamp))</td>"
                rows += "<td>\(Self.bytesCell(m.key))</td><td>\(Self.bytesCell(m.value))</td></tr>"
            }
        } catch { throw APIError(error) }
        let range = "\(Timestamp.iso8601(milliseconds: from)) to \(Timestamp.iso8601(milliseconds: to))"
        var html = "<p class=\"summary\" id=\"query-summary\">\(count) message\(count == 1 ? "" : "s") of \(HTML.escape(instance))/\(HTML.escape(topic)), \(range)"
        html += count == limit ? " (the first \(limit))</p>" : "</p>"
        html += "<div class=\"scroll\"><table class=\"results\"><thead><tr><th>partition</th><th>offset</th><th>timestamp</th><th>key</th><th>value</th></tr></thead>"
        return html + "<tbody>\(rows)</tbody></table></div>"
    }

    private func errorsSection(_ report: StatusReport, timelines: [WindowTimeline]) -> String {
        var errors: [String] = (report.uploads ?? []).compactMap { upload in upload.lastError.map { "\(upload.target): \($0)" } }
        for timeline in timelines {
            for cell in timeline.cells.reversed() where cell.state == .failed {
                for part in cell.parts {
                    for upload in part.uploads where upload.state == "failed" {
                        errors.append("\(part.file.path) → \(upload.key): \(upload.error ?? "failed")")
                    }
                }
            }
        }
        var html = "<section id=\"errors\"><h2>Errors</h2>"
        guard !errors.isEmpty else { return html + "<p class=\"empty\">none recorded</p></section>" }
        html += "<ul class=\"errors\">"
        for error in errors.prefix(10) { html += "<li>\(HTML.escape(error))</li>" }
        return html + "</ul></section>"
    }

    static func bytesCell(_ bytes: [UInt8]?) -> String {
        guard let bytes else { return "<span class=\"null\">null</span>" }
        guard let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" }) else {
            return "<span class=\"binary\">binary, \(bytes.count) bytes</span>"
        }
        let shown = text.count > 200 ? String(text.prefix(200)) + "…" : text
        return HTML.escape(shown)
    }

    static func head(title: String) -> String {
        """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title))</title><style>
        body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
        header{display:flex;gap:1em;align-items:baseline;padding:.8em 1.2em;background:#1d2330;color:#fff}
        header h1{font-size:1.2em;margin:0}.archive{opacity:.7}
        main{max-width:1240px;margin:0 auto;padding:0 1em 2em}
        section{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:1em 0;padding:.6em 1em}
        h2{font-size:1.05em;margin:.3em 0 .6em}h3{font-size:.95em;margin:.8em 0 .3em}
        .scroll{overflow-x:auto}table{border-collapse:collapse;font-variant-numeric:tabular-nums}
        th,td{padding:.2em .7em;border-bottom:1px solid #eef0f3;text-align:left;white-space:nowrap}
        td:last-child{white-space:normal;word-break:break-all}
        .timeline .window{cursor:pointer;stroke:#fff}.timeline .tick{stroke:#ccd2da}.timeline .hour{font-size:10px;fill:#667}
        .local{fill:#9aa5b1;background:#9aa5b1}.uploaded{fill:#3c9d5d;background:#3c9d5d}
        .failed{fill:#d0453f;background:#d0453f}.hook-failed{fill:#e39b2d;background:#e39b2d}
        .swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin:0 .25em 0 .6em;vertical-align:-.1em}
        .details{background:#f3f5f8;padding:.6em;white-space:pre-wrap;word-break:break-all;font-size:12px}
        form.query{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:end}form.query label{display:flex;flex-direction:column;font-size:.85em}
        input,select,button{font:inherit;padding:.25em .4em}.binary,.null{color:#8a5a00;font-style:italic}
        .error{color:#b3261e}.empty{color:#778}ul.errors li{word-break:break-all}
        @media (max-width:640px){main{padding:0 .4em}section{padding:.5em}th,td{padding:.15em .35em}}
        </style></head><body>
        """
    }

    static let script = """
        <script>
        document.querySelectorAll('.timeline .window').forEach(function (cell) {
          function show() { document.getElementById('details').textContent = cell.getAttribute('data-details'); }
          cell.addEventListener('click', show);
          cell.addEventListener('keydown', function (event) { if (event.key === 'Enter') show(); });
        });
        </script>
        """
}
