extension Sequence where Element: Sendable {
    /// `transform` of every element, at most `limit` running at once, in the sequence's
    /// order: how the bucket's reads are spread over connections without holding them all.
    func concurrentMap<T: Sendable>(
        limit: Int, _ transform: @escaping @Sendable (Element) async throws -> T
    ) async throws -> [T] {
        let elements = Array(self)
        return try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: elements.count)
            var next = 0
            while next < Swift.min(elements.count, Swift.max(1, limit)) {
                let index = next
                group.addTask { (index, try await transform(elements[index])) }
                next += 1
            }
            while let (index, value) = try await group.next() {
                results[index] = value
                if next < elements.count {
                    let index = next
                    group.addTask { (index, try await transform(elements[index])) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}
