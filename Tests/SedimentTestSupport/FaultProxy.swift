import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP/1.1 proxy between a store client and SeaweedFS that injects faults.
///
/// Plain sockets and one thread per connection: the proxy must misbehave at the byte
/// level (reset a connection half-way through a body, swallow a reply that the
/// upstream already produced), which is simplest below any HTTP library. Each rule
/// fires once, on the first request of its kind; other requests pass through. Every
/// request is logged, so tests can count attempts.
public final class FaultProxy: @unchecked Sendable {
    // @unchecked: mutable state is guarded by `lock`; sockets are owned by their threads.
    public enum Fault: Sendable, Equatable {
        /// Answer with this status and an S3 XML error, without forwarding.
        case status(Int)
        /// Answer with this status and this S3 error code (`ExpiredToken`...), without forwarding.
        case error(status: Int, code: String)
        /// Read half the request body, then reset the connection (RST).
        case resetMidBody
        /// Read the request, wait this long without answering, then close.
        case slow(seconds: Double)
        /// Forward the request and read the upstream's reply, then close without replying.
        case dropReply
        /// Answer with this status and body, without forwarding: a store's reply made up.
        case reply(status: Int, body: String)
    }

    public enum Kind: String, Sendable {
        case putObject, createMultipart, uploadPart, complete, abort, head, get, list, other
    }

    public struct Rule: Sendable {
        public var kind: Kind
        public var fault: Fault

        public init(kind: Kind, fault: Fault) {
            self.kind = kind
            self.fault = fault
        }
    }

    public struct Logged: Sendable, Equatable {
        public var kind: Kind
        public var method: String
        public var target: String
        /// The header lines as received, for checking what a client signed and sent.
        public var headers: [String]
        public var fault: Fault?
        /// The upstream's answer to a forwarded request: its status, and the ETag it gave
        /// (the header, or for CompleteMultipartUpload the one in the XML body). Nil for a
        /// request the proxy answered itself or whose reply never came.
        public var reply: Reply?
    }

    public struct Reply: Sendable, Equatable {
        public var status: Int
        public var etag: String?
    }

    public let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var rules: [Rule] = []
    private var logged: [Logged] = []

    public init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Socket.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw TestFailure("fault proxy cannot listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            _ = $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                Socket.setTimeout(client, seconds: 30)
                Thread.detachNewThread { [self] in serve(client) }
            }
        }
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Faults to inject, each once, in order of arrival of matching requests.
    public func inject(_ newRules: [Rule]) {
        lock.withLock { rules += newRules }
    }

    /// Drops the faults not used yet.
    public func clearRules() {
        lock.withLock { rules = [] }
    }

    public var requests: [Logged] { lock.withLock { logged } }
    public var pendingRules: [Rule] { lock.withLock { rules } }

    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// The fault for this request, if any, and the index of its log entry.
    private func decide(_ head: RequestHead) -> (fault: Fault?, entry: Int) {
        lock.withLock {
            let kind = head.kind
            var fault: Fault?
            if let index = rules.firstIndex(where: { $0.kind == kind }) {
                fault = rules.remove(at: index).fault
            }
            logged.append(Logged(kind: kind, method: head.method, target: head.target, headers: Array(head.lines.dropFirst()), fault: fault))
            return (fault, logged.count - 1)
        }
    }

    /// Handles the requests of one client connection until it closes or a fault ends it.
    private func serve(_ client: Int32) {
        defer { close(client) }
        var buffered = Data()
        while let head = RequestHead.read(from: client, buffer: &buffered) {
            let (fault, entry) = decide(head)
            switch fault {
            case .status(let status)?:
                let code = status == 403 ? "AccessDenied" : status == 429 ? "SlowDown" : "ServiceUnavailable"
                refuse(client, head, &buffered, status: status, code: code)
                return
            case .error(let status, let code)?:
                refuse(client, head, &buffered, status: status, code: code)
                return
            case .resetMidBody?:
                _ = Socket.drain(client, count: head.contentLength / 2, buffered: &buffered)
                Socket.reset(client)
                return
            case .slow(let seconds)?:
                _ = Socket.drain(client, count: head.contentLength, buffered: &buffered)
                Thread.sleep(forTimeInterval: seconds)
                return
            case .reply(let status, let body)?:
                refuse(client, head, &buffered, status: status, body: body)
                return
            case .dropReply?:
                _ = forward(head, from: client, buffered: &buffered, relay: false, entry: entry)
                return
            case nil:
                guard forward(head, from: client, buffered: &buffered, relay: true, entry: entry) else { return }
            }
        }
    }

    /// Reads the request's body and answers with an S3 XML error, closing the connection.
    private func refuse(_ client: Int32, _ head: RequestHead, _ buffered: inout Data, status: Int, code: String) {
        refuse(client, head, &buffered, status: status, body: "<?xml version=\"1.0\"?><Error><Code>\(code)</Code><Message>injected \(status)</Message></Error>")
    }

    /// Reads the request's body and answers with `body`, closing the connection.
    private func refuse(_ client: Int32, _ head: RequestHead, _ buffered: inout Data, status: Int, body: String) {
        guard Socket.drain(client, count: head.contentLength, buffered: &buffered) else { return }
        let reply = "HTTP/1.1 \(status) Injected\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        Socket.writeAll(client, Data(reply.utf8))
    }

    /// Sends the request upstream with `Connection: close`, then relays (or swallows)
    /// the reply, which ends when the upstream closes, recording its status and ETag in
    /// log entry `entry`. Returns false if anything failed.
    private func forward(_ head: RequestHead, from client: Int32, buffered: inout Data, relay: Bool, entry: Int) -> Bool {
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(upstream) }
        var address = Socket.loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        Socket.setTimeout(upstream, seconds: 30)
        guard Socket.writeAll(upstream, head.rewritten()),
            Socket.copy(from: client, to: upstream, count: head.contentLength, buffered: &buffered)
        else { return false }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        // Enough of the reply for its head and a CompleteMultipartUpload result.
        var start = Data()
        while true {
            let n = recv(upstream, &chunk, chunk.count, 0)
            if n <= 0 { break }
            if start.count < 16 << 10 { start.append(contentsOf: chunk[0..<min(n, (16 << 10) - start.count)]) }
            if relay && !Socket.writeAll(client, Data(chunk[0..<n])) { return false }
        }
        if let reply = Self.reply(start) { lock.withLock { logged[entry].reply = reply } }
        return relay
    }

    /// The status line's code and the ETag of the start of an HTTP reply.
    static func reply(_ start: Data) -> Reply? {
        let text = String(decoding: start, as: UTF8.self)
        let parts = text.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false)
        let lines = parts[0].split(separator: "\r\n")
        guard let statusLine = lines.first, let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            return nil
        }
        var etag = lines.dropFirst().first { $0.lowercased().hasPrefix("etag:") }
            .map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) }
        if etag == nil, parts.count > 1, let open = parts[1].range(of: "<ETag>"), let close = parts[1].range(of: "</ETag>") {
            etag = String(parts[1][open.upperBound..<close.lowerBound]).replacingOccurrences(of: "&#34;", with: "\"")
                .replacingOccurrences(of: "&quot;", with: "\"")
        }
        return Reply(status: status, etag: etag)
    }
}
