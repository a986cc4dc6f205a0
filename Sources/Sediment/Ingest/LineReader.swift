#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a file descriptor's bytes into lines without copying them one by one: it reads
/// large chunks and hands out each line as a view into the chunk, keeping a line that
/// straddles two reads whole. Memory is the chunk size, or the longest line if larger.
final class LineReader {
    private let descriptor: Int32
    private let name: String
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var endOfInput = false
    /// 1-based number of the line last returned.
    private(set) var lineNumber = 0

    init(descriptor: Int32, name: String, chunkSize: Int = 4 << 20) {
        self.descriptor = descriptor
        self.name = name
        self.buffer = .allocate(byteCount: chunkSize, alignment: 16)
        enlargePipe()
    }

    /// A pipe holds 64 KiB by default, so a reader takes one small read per 64 KiB and
    /// sleeps in between; 1 MiB (the unprivileged maximum) cuts that sixteenfold.
    private func enlargePipe() {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO else { return }
        let setPipeSize: Int32 = 1031 // F_SETPIPE_SZ, which Glibc hides behind _GNU_SOURCE
        _ = fcntl(descriptor, setPipeSize, Int32(1 << 20))
    }

    deinit { buffer.deallocate() }

    /// Calls `body` with the next line, without its "\n"; returns false at the end of input.
    /// The view is valid only inside `body`.
    func nextLine<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        while true {
            if start < end, let found = memchr(buffer.baseAddress! + start, 0x0A, end - start) {
                let newline = UnsafeRawPointer(found) - UnsafeRawPointer(buffer.baseAddress!)
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<newline])
                start = newline + 1
                lineNumber += 1
                return try body(line)
            }
            if endOfInput {
                guard start < end else { return nil }
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
                start = end
                lineNumber += 1
                return try body(line)
            }
            try refill()
        }
    }

    private func refill() throws {
        if start > 0 {
            let remaining = end - start
            if remaining > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: remaining) }
            start = 0
            end = remaining
        }
        if end == buffer.count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = larger
        }
        let got = retryingOnInterrupt { read(descriptor, buffer.baseAddress! + end, buffer.count - end) }
        if got < 0 { throw SystemFile.error("cannot read", name) }
        if got == 0 { endOfInput = true }
        end += got
    }
}
