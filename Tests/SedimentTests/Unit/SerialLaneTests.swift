import Foundation
import Testing
@testable import Sediment

@Suite("Serial lane")
struct SerialLaneTests {
    /// What the jobs saw, behind a lock.
    final class Journal: @unchecked Sendable {
        private let lock = NSLock()
        private var ran: [Int] = []
        private var running = 0
        private(set) var overlapped = false

        func enter(_ number: Int) {
            lock.withLock {
                running += 1
                overlapped = overlapped || running > 1
                ran.append(number)
            }
        }

        func leave() { lock.withLock { running -= 1 } }
        var order: [Int] { lock.withLock { ran } }
    }

    struct Failed: Error, Equatable { let number: Int }

    @Test("runs jobs one at a time, in the order they were submitted, while the workers run other jobs too")
    func order() throws {
        let lane = SerialLane(limit: 4)
        let journal = Journal()
        for number in 0..<2_000 {
            if number % 100 == 0 { CompressionWorkers.shared.run { _ = (0..<10_000).reduce(0, &+) } }
            try lane.submit {
                journal.enter(number)
                // Long enough inside for a second job running at once to be seen.
                if number % 50 == 0 { Thread.sleep(forTimeInterval: 0.001) }
                journal.leave()
            }
        }
        try lane.drain()
        #expect(journal.order == Array(0..<2_000))
        #expect(!journal.overlapped)
    }

    @Test("after a job throws, the rest are skipped, and drain and any later submit throw the first error")
    func failure() throws {
        let lane = SerialLane()
        let journal = Journal()
        let gate = DispatchSemaphore(value: 0)
        try lane.submit { gate.wait() }
        for number in 0..<6 {
            try lane.submit {
                journal.enter(number)
                journal.leave()
                if number == 3 || number == 5 { throw Failed(number: number) }
            }
        }
        gate.signal()
        #expect(throws: Failed(number: 3)) { try lane.drain() }
        #expect(journal.order == [0, 1, 2, 3])
        #expect(throws: Failed(number: 3)) { try lane.submit { journal.enter(99) } }
        #expect(journal.order == [0, 1, 2, 3])
    }

    @Test("submit waits while the lane holds its limit of jobs")
    func bounded() throws {
        let lane = SerialLane(limit: 2)
        let gate = DispatchSemaphore(value: 0)
        try lane.submit { gate.wait() }
        // The first job runs (or is about to); two more fill the lane.
        try lane.submit {}
        try lane.submit {}
        let submitting = DispatchSemaphore(value: 0)
        let returned = PendingResult<Bool>()
        Thread.detachNewThread {
            submitting.signal()
            returned.finish(Result { try lane.submit {}; return true })
        }
        submitting.wait()
        Thread.sleep(forTimeInterval: 0.3)
        #expect(!returned.isFinished, "a fourth job was taken while the lane was full")
        gate.signal()
        #expect(try returned.wait())
        try lane.drain()
    }
}
