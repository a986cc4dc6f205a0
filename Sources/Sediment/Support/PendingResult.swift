import Foundation

/// The result of work running on another thread, waited for by one reader.
final class PendingResult<Value: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Value, any Error>?

    func finish(_ result: Result<Value, any Error>) {
        condition.lock()
        self.result = result
        condition.broadcast()
        condition.unlock()
    }

    var isFinished: Bool { condition.withLock { result != nil } }

    func wait() throws -> Value {
        condition.lock()
        while result == nil { condition.wait() }
        let result = result!
        condition.unlock()
        return try result.get()
    }
}
