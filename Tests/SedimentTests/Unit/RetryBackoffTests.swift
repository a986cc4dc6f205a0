import Testing
@testable import Sediment

@Suite("RetryBackoff")
struct RetryBackoffTests {
    @Test("1 s after the first failure, doubling with each failure in a row, never above 5 minutes")
    func doubling() {
        let backoff = RetryBackoff()
        let delays = (1...12).map { backoff.delay(afterFailures: $0) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300].map { Duration.seconds($0) })
        #expect(backoff.delay(afterFailures: 10_000) == .seconds(300))
        #expect(backoff.healthyAfter == .seconds(60))
    }
}
