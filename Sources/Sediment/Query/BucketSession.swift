import Dispatch
import Foundation
import SedimentObjectStore

/// The buckets a query may read, opened only when a query needs one: a query whose range
/// the archive holds locally never touches the network. The caller owns the session and
/// shuts it down after its queries (an HTTP client must be shut down before it goes).
///
/// Without `target`, a query reads the windows this archive uploaded and no longer holds,
/// from the targets the index recorded them at. With `target`, it lists that bucket under
/// `template` and reads every window there that meets its range, whoever uploaded it;
/// messages the archive also holds locally come out once.
public final class BucketSession: @unchecked Sendable {
    // @unchecked: `stores` is guarded by `lock`.
    public struct Target: Sendable {
        public var uri: String
        public var template: KeyTemplate

        public init(uri: String, template: KeyTemplate) {
            self.uri = uri
            self.template = template
        }
    }

    public let target: Target?
    /// Member fetches a query keeps in flight.
    public let concurrency: Int
    private let open: @Sendable (String) throws -> any ObjectStore
    private let lock = NSLock()
    private var stores: [String: any ObjectStore] = [:]

    /// `open` makes the store of a target URI (credentials are the caller's to load).
    public init(target: Target? = nil, concurrency: Int = 8, open: @escaping @Sendable (String) throws -> any ObjectStore) {
        self.target = target
        self.concurrency = max(1, concurrency)
        self.open = open
    }

    func store(for uri: String) throws -> any ObjectStore {
        try lock.withLock {
            if let store = stores[uri] { return store }
            let store = try open(uri)
            stores[uri] = store
            return store
        }
    }

    /// The instances `target`'s bucket holds `topic` from: what names the instance of a
    /// query on an archive that does not hold the topic itself.
    public func instances(holding topic: String) throws -> [String] {
        guard let target else { return [] }
        let catalog = BucketCatalog(store: try store(for: target.uri), template: target.template)
        return try Self.wait { try await catalog.instances(holding: topic) }
    }

    /// Shuts down every store opened.
    public func shutdown() async throws {
        let opened = lock.withLock { () -> [any ObjectStore] in
            defer { stores = [:] }
            return Array(stores.values)
        }
        for store in opened { try await store.shutdown() }
    }

    /// `shutdown()` for blocking code: the CLI's query runs on the main thread.
    public func shutdownWaiting() throws {
        try Self.wait { try await self.shutdown() }
    }

    /// Runs async store work from the blocking code of a cursor (which runs on its own
    /// thread: the CLI's, or a `TimeRangeMessages` queue), waiting for its result.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.result = await Result(catching: { try await body() })
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    private final class ResultBox<T>: @unchecked Sendable {
        // Written once before the semaphore is signalled, read after the wait.
        var result: Result<T, any Error>?
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
