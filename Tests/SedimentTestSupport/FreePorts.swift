import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Loopback ports nothing listens on, found by binding them.
public enum FreePorts {
    /// `count` ports P such that both P and P + 10000 are free (weed's gRPC convention).
    public static func pairs(count: Int) throws -> [Int] {
        var found: [Int] = []
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        var candidate = 20_000 + Int(getpid() % 500) * 17
        while found.count < count && candidate < 40_000 {
            if let a = bind(port: candidate) {
                if let b = bind(port: candidate + 10_000) {
                    held += [a, b]
                    found.append(candidate)
                } else {
                    close(a)
                }
            }
            candidate += Int.random(in: 1...97)
        }
        guard found.count == count else { throw TestFailure("no free loopback port pairs found") }
        return found
    }

    /// A socket bound to 127.0.0.1:`port`, or nil if the port is taken.
    public static func bind(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            return nil
        }
        return fd
    }
}
