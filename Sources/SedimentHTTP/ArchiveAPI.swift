import Foundation
import Hummingbird
import Logging
import NIOCore
import Sediment
import SedimentObjectStore

/// The read-only JSON API over one archive (`sediment serve`):
///
/// - `GET /api/topics`: each instance and topic, its partitions and windows;
/// - `GET /api/status`: what `sediment status --json` prints;
/// - `GET /api/windows?topic=&from=&to=[&instance=]`: window files with their upload states;
/// - `GET /api/query?topic=&from=&to=[&instance=&partition=&key=&format=jsonl|value&limit=]`:
///   what `sediment query` prints, streamed as it is read.
///
/// Parameters are read as the CLI reads its flags (times as `query --from` takes them); a
/// bad one is a 400 naming it, a topic the archive does not hold a 404.
struct ArchiveAPI: Sendable {
    let source: ArchiveSource
    let bucket: BucketSession?
    let logger: Logger

    private var archive: Archive { get throws { try source.open() } }

    func register(on router: some RouterMethods<BasicRequestContext>) {
        router.get("api/topics") { _, _ in try await json(try await blocking { try topics() }) }
        router.get("api/status") { _, _ in try await json(try await blocking { try archive.statusReport() }) }
        router.get("api/windows") { request, _ in
            let selection = try TopicSelection(request.parameters, archive: archive, defaultFrom: Int64.min)
            return try await json(try await blocking {
                try archive.windowListing(instance: selection.instance, topic: selection.topic, range: selection.range)
            })
        }
        router.get("api/query") { request, _ in try await query(request) }
    }

    /// A topic of the archive: its partitions as `status` counts them, and its windows.
    struct Topic: Codable, Sendable {
        var instance: String
        var topic: String
        var partitions: [PartitionStatistics]
        var windows: WindowStatistics?
    }

    private func topics() throws -> [Topic] {
        let windows = try archive.windowStatistics()
        var topics: [Topic] = []
        for (key, partitions) in Dictionary(grouping: try archive.statistics(), by: { [$0.instance, $0.topic] }) {
            topics.append(Topic(
                instance: key[0], topic: key[1], partitions: partitions.sorted { $0.partition < $1.partition },
                windows: windows.first { $0.instance == key[0] && $0.topic == key[1] }))
        }
        return topics.sorted { ($0.instance, $0.topic) < ($1.instance, $1.topic) }
    }

    private func query(_ request: Request) async throws -> Response {
        let selection = try TopicSelection(request.parameters, archive: archive, defaultFrom: nil)
        let parameters = request.uri.queryParameters
        let limit = try parameters.get("limit").map { text -> Int in
            guard let limit = Int(text), limit >= 0 else { throw APIError.badParameter("limit", "limit must be a whole number ≥ 0, not '\(text)'") }
            return limit
        } ?? .max
        let partitions = try parameters.getAll("partition").map { text -> Int32 in
            guard let partition = Int32(text), partition >= 0 else {
                throw APIError.badParameter("partition", "partition must be a partition number, not '\(text)'")
            }
            return partition
        }
        let values: Bool
        switch parameters.get("format") ?? "jsonl" {
        case "jsonl": values = false
        case "value": values = true
        case let other: throw APIError.badParameter("format", "format must be jsonl or value, not '\(other)'")
        }
        let keys = parameters.getAll("key").map { Array($0.utf8) }
        let query = MessageQuery(
            topics: [ArchivedTopic(instance: selection.instance, topic: selection.topic)], range: selection.range,
            partitions: partitions.isEmpty ? nil : Set(partitions), filter: MessageFilter(keys: keys))
        // Opened before the answer starts, so that a range the archive cannot read is an error
        // status, not a cut-short body.
        let (archive, bucket) = (try archive, bucket)
        let cursor = try await blocking { CursorBox(try archive.messages(query, bucket: bucket)) }
        return Response(
            status: .ok, headers: [.contentType: values ? "application/octet-stream" : "application/x-ndjson"],
            body: ResponseBody { [logger] writer in
                var sent = 0
                while sent < limit {
                    let want = limit - sent
                    let chunk: ByteBuffer, count: Int
                    do {
                        (chunk, count) = try await blocking { try cursor.read(upTo: want, bytes: 512 << 10, values: values) }
                    } catch {
                        // The status went out with the first chunk: throwing cuts the body short (no
                        // closing chunk), so the client sees an incomplete answer, never a silent one.
                        logger.error("query failed after \(sent) messages: \(error)", metadata: ["topic": "\(selection.topic)"])
                        throw error
                    }
                    if count == 0 { break }
                    do {
                        // Throws once the client has gone: the read stops with it.
                        try await writer.write(chunk)
                    } catch {
                        logger.info("query stopped: the client went away", metadata: ["topic": "\(selection.topic)", "sent": "\(sent)"])
                        throw error
                    }
                    sent += count
                }
                try await writer.finish(nil)
            })
    }

    private func json<T: Encodable>(_ value: T) async throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// Index and segment reads block: they run off the event loops.
func blocking<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
    do {
        return try await BlockingIO.run(body)
    } catch {
        throw APIError(error)
    }
}

/// The cursor of one query, read by one chunk at a time from whichever thread runs it.
final class CursorBox: @unchecked Sendable {
    private let cursor: QueryCursor
    /// Kept between chunks: a fresh half MiB each time was mapped and faulted in anew.
    private var buffer: [UInt8] = []

    init(_ cursor: QueryCursor) { self.cursor = cursor }

    /// Up to `count` messages, encoded as `query` prints them, stopping once `bytes` are
    /// there: one hop off the event loop per half MiB or so.
    func read(upTo count: Int, bytes: Int, values: Bool) throws -> (ByteBuffer, Int) {
        buffer.removeAll(keepingCapacity: true)
        buffer.reserveCapacity(bytes + 4096)
        let read = try cursor.append(upTo: count, bytes: bytes, format: values ? .value : .jsonl, to: &buffer)
        return (ByteBuffer(bytes: buffer), read)
    }
}

/// `topic`, `instance`, `from` and `to` of a request, checked against the archive.
struct TopicSelection {
    var instance: String
    var topic: String
    var range: Range<Int64>

    /// An empty parameter counts as absent (a form submits its empty fields). `to`
    /// defaults to `defaultTo`, else the end of time when `from` has a default and was not
    /// given, else now.
    init(_ parameters: [String: String], archive: Archive, defaultFrom: Int64?, defaultTo: Int64? = nil) throws {
        func given(_ name: String) -> String? { parameters[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let topic = given("topic") else { throw APIError.badParameter("topic", "give the topic: ?topic=NAME") }
        let now = WallClock.nowMilliseconds()
        func time(_ name: String, default value: Int64?) throws -> Int64 {
            guard let text = given(name) else {
                if let value { return value }
                throw APIError.badParameter(name, "give \(name)= (an ISO-8601 time, milliseconds since the epoch, or relative like -2h)")
            }
            do {
                return try TimeExpression.parse(text, now: now)
            } catch {
                throw APIError.badParameter(name, "cannot read \(name)='\(text)' as a time (ISO-8601, milliseconds since the epoch, or relative like -2h)")
            }
        }
        let from = try time("from", default: defaultFrom)
        let to = try time("to", default: defaultTo ?? (given("from") == nil && defaultFrom != nil ? Int64.max : now))
        guard from <= to else { throw APIError.badParameter("from", "from is after to") }
        do {
            instance = try archive.resolveInstance(given("instance"), topic: topic)
            let resolved = instance
            guard try archive.topics().contains(where: { $0.instance == resolved && $0.topic == topic }) else {
                throw SedimentError(.notFound, "not held")
            }
        } catch let error as SedimentError where error.code == .notFound {
            // The library's message names the archive's directory, which is not the client's business.
            let instance = given("instance").map { " of instance '\($0)'" } ?? ""
            throw APIError(status: .notFound, message: "the archive holds no topic '\(topic)'\(instance)", parameter: "topic")
        } catch {
            throw APIError(error)
        }
        self.topic = topic
        range = from..<to
    }
}

extension Request {
    /// The query parameters by name (the last of a repeated one); repeated ones are read
    /// with `uri.queryParameters.getAll`.
    var parameters: [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in uri.queryParameters { parameters[String(name)] = String(value) }
        return parameters
    }
}
