#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CRdKafka

/// Listens on a fixed 127.0.0.1 port and relays each connection to the first of `targets`
/// (loopback ports) that accepts it: the fixed bootstrap address of a mock cluster whose
/// brokers listen on kernel-chosen ports.
///
/// One thread serves every connection with `poll`; writes block, which is fine for Kafka's
/// request-response traffic on loopback, where each side keeps reading.
final class LoopbackForwarder: @unchecked Sendable {
    private let wakeWrite: Int32
    private var thread: pthread_t
    private var isStopped = false

    init(port: UInt16, targets: [UInt16]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw Self.error("cannot create a socket") }
        var on: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            let error = Self.error("cannot listen on 127.0.0.1:\(port)")
            close(listener)
            throw error
        }
        var wake: [Int32] = [0, 0]
        guard pipe(&wake) == 0 else {
            close(listener)
            throw Self.error("cannot create a pipe")
        }
        wakeWrite = wake[1]
        let loop = RelayLoop(listener: listener, wakeRead: wake[0], targets: targets)
        let context = Unmanaged.passRetained(loop).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { context in
            let loop = Unmanaged<RelayLoop>.fromOpaque(context!).takeRetainedValue()
            loop.run()
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<RelayLoop>.fromOpaque(context).release()
            close(listener)
            close(wake[0])
            close(wake[1])
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, message: "cannot start the forwarder thread (\(created))")
        }
        self.thread = thread
    }

    deinit { stop() }

    /// Closes the listener and every relayed connection, and waits for the thread.
    func stop() {
        guard !isStopped else { return }
        isStopped = true
        var byte: UInt8 = 0
        _ = write(wakeWrite, &byte, 1)
        pthread_join(thread, nil)
        close(wakeWrite)
    }

    static func loopback(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    private static func error(_ what: String) -> KafkaError {
        KafkaError(RD_KAFKA_RESP_ERR__TRANSPORT, message: "\(what): \(String(cString: strerror(errno)))")
    }
}

/// The forwarder thread's state, owned by that thread alone.
private final class RelayLoop {
    let listener: Int32
    let wakeRead: Int32
    let targets: [UInt16]
    var pairs: [(Int32, Int32)] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(listener: Int32, wakeRead: Int32, targets: [UInt16]) {
        self.listener = listener
        self.wakeRead = wakeRead
        self.targets = targets
    }

    func run() {
        defer {
            for (a, b) in pairs { close(a); close(b) }
            close(listener)
            close(wakeRead)
        }
        while true {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            for (a, b) in pairs {
                fds.append(pollfd(fd: a, events: Int16(POLLIN), revents: 0))
                fds.append(pollfd(fd: b, events: Int16(POLLIN), revents: 0))
            }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else { return }
            if fds[1].revents != 0 { return }
            var closed = Set<Int>()
            for (index, (a, b)) in pairs.enumerated() {
                if fds[2 + 2 * index].revents != 0 && !relay(from: a, to: b) { closed.insert(index) }
                if fds[3 + 2 * index].revents != 0 && !relay(from: b, to: a) { closed.insert(index) }
            }
            for index in closed.sorted(by: >) {
                close(pairs[index].0)
                close(pairs[index].1)
                pairs.remove(at: index)
            }
            if fds[0].revents & Int16(POLLIN) != 0 { acceptClient() }
        }
    }

    private func acceptClient() {
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return }
        for port in targets {
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = LoopbackForwarder.loopback(port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected == 0 {
                pairs.append((client, upstream))
                return
            }
            close(upstream)
        }
        close(client)  // Every broker is down: the client sees a closed connection.
    }

    /// Moves what `source` has to `destination`; false when either side is done.
    private func relay(from source: Int32, to destination: Int32) -> Bool {
        buffer.withUnsafeMutableBytes { buffer in
            let count = read(source, buffer.baseAddress, buffer.count)
            guard count > 0 else { return count < 0 && errno == EINTR }
            var sent = 0
            while sent < count {
                let written = send(destination, buffer.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                sent += written
            }
            return true
        }
    }
}
