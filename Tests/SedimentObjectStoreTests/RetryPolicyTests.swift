import SedimentObjectStore
import Testing

@Suite struct RetryPolicyTests {
    /// A deterministic generator, so the jitter can be checked.
    struct Counter: RandomNumberGenerator {
        var state: UInt64 = 1
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
    }

    @Test func backoffIsFullJitterUnderAGrowingCappedCeiling() {
        let policy = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(100), maxDelay: .seconds(1), maxTotalDelay: .seconds(100))
        var random = Counter()
        for attempt in 1..<8 {
            let ceiling = min(Duration.seconds(1), .milliseconds(100) * (1 << (attempt - 1)))
            for _ in 0..<50 {
                let delay = policy.delay(afterAttempt: attempt, sleptSoFar: .zero, using: &random)!
                #expect(delay >= .zero && delay <= ceiling)
            }
        }
        #expect(policy.delay(afterAttempt: 8, sleptSoFar: .zero, using: &random) == nil, "attempts are bounded")
    }

    @Test func totalSleepIsBounded() {
        let policy = RetryPolicy(maxAttempts: 100, baseDelay: .seconds(1), maxDelay: .seconds(1), maxTotalDelay: .seconds(3))
        var random = Counter()
        var slept = Duration.zero
        var attempt = 1
        while let delay = policy.delay(afterAttempt: attempt, sleptSoFar: slept, using: &random) {
            slept += delay
            attempt += 1
        }
        #expect(slept <= .seconds(3))
        #expect(attempt < 100)
    }

    @Test func whatIsRetried() {
        func error(_ status: Int?, _ serverCode: String? = nil, _ code: ObjectStoreError.Code = .http(0)) -> ObjectStoreError {
            ObjectStoreError(code, serverCode: serverCode, httpStatus: status)
        }
        #expect(error(500).isRetriable && error(503).isRetriable && error(429).isRetriable)
        #expect(error(400, "RequestTimeout").isRetriable && error(503, "SlowDown").isRetriable)
        #expect(error(nil, nil, .transport).isRetriable)
        #expect(!error(403, "SignatureDoesNotMatch").isRetriable && !error(403, "AccessDenied").isRetriable)
        #expect(!error(404, "NoSuchBucket").isRetriable && !error(400).isRetriable && !error(409).isRetriable)
        #expect(RetryPolicy.none.delay(afterAttempt: 1, sleptSoFar: .zero) == nil)
    }

    @Test func errorDescriptionsNameObjectAndServerCode() {
        let error = ObjectStoreError(
            .signatureDoesNotMatch, operation: "PUT", bucket: "s3://bucket", key: "dir/key", serverCode: "SignatureDoesNotMatch",
            serverMessage: "The request signature we calculated does not match", httpStatus: 403, requestID: "R1")
        #expect("\(error)" == "PUT s3://bucket/dir/key failed: 403 SignatureDoesNotMatch (The request signature we calculated does not match) [request R1]")
        let transport = ObjectStoreError(.transport, operation: "GET", bucket: "cos://b-1", key: "k")
        #expect("\(transport)" == "GET cos://b-1/k failed: transport")
    }
}
