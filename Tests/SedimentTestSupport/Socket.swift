import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Blocking socket helpers for the fault proxy.
enum Socket {
    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    static func setTimeout(_ fd: Int32, seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    @discardableResult
    static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = send(fd, raw.baseAddress! + done, raw.count - done, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                done += n
            }
            return true
        }
    }

    /// Moves `count` body bytes from `source` (first those already in `buffered`) to `sink`,
    /// or drops them when `sink` is nil.
    static func copy(from source: Int32, to sink: Int32?, count: Int, buffered: inout Data) -> Bool {
        var remaining = count
        let fromBuffer = min(remaining, buffered.count)
        if fromBuffer > 0 {
            if let sink, !writeAll(sink, buffered.prefix(fromBuffer)) { return false }
            buffered.removeFirst(fromBuffer)
            remaining -= fromBuffer
        }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while remaining > 0 {
            let n = recv(source, &chunk, min(chunk.count, remaining), 0)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            if let sink, !writeAll(sink, Data(chunk[0..<n])) { return false }
            remaining -= n
        }
        return true
    }

    static func drain(_ fd: Int32, count: Int, buffered: inout Data) -> Bool {
        copy(from: fd, to: nil, count: count, buffered: &buffered)
    }

    /// Closes with SO_LINGER 0, so the peer sees a reset rather than an orderly close.
    static func reset(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }
}

/// A request line and headers as read from the client.
struct RequestHead {
    var method: String
    var target: String
    var lines: [String]
    var contentLength: Int

    /// Reads up to the blank line; body bytes read past it stay in `buffer`.
    static func read(from fd: Int32, buffer: inout Data) -> RequestHead? {
        let separator = Data("\r\n\r\n".utf8)
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while buffer.range(of: separator) == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
        let end = buffer.range(of: separator)!
        let text = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
        buffer = Data(buffer[end.upperBound...])
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        let length = lines.dropFirst().first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        return RequestHead(method: String(requestLine[0]), target: String(requestLine[1]), lines: lines, contentLength: length)
    }

    /// The head again, with `Connection: close` so that the upstream's reply ends at EOF.
    func rewritten() -> Data {
        var out = lines.filter { !$0.lowercased().hasPrefix("connection:") }
        out.append("Connection: close")
        return Data((out.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    var kind: FaultProxy.Kind {
        let query = target.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        switch method {
        case "PUT" where query.contains("partNumber="): return .uploadPart
        case "PUT" where query.isEmpty: return .putObject
        case "POST" where query.hasPrefix("uploads") || query.contains("&uploads"): return .createMultipart
        case "POST" where query.contains("uploadId="): return .complete
        case "DELETE" where query.contains("uploadId="): return .abort
        case "HEAD": return .head
        case "GET" where query.isEmpty || query.hasPrefix("partNumber"): return .get
        case "GET": return .list
        default: return .other
        }
    }
}
