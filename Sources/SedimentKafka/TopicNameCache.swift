import CRdKafka

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Topic names by librdkafka topic handle, so a consumed message's topic costs a pointer
/// comparison and a `strcmp`, not a new String.
struct TopicNameCache {
    private struct Entry {
        var handle: OpaquePointer
        var cName: [CChar]
        var name: String
    }

    private var entries: [Entry] = []

    mutating func name(of handle: OpaquePointer) -> String {
        let cName = rd_kafka_topic_name(handle)!
        // The name check guards against a freed handle's address being reused for
        // another topic.
        for entry in entries where entry.handle == handle && strcmp(entry.cName, cName) == 0 {
            return entry.name
        }
        let name = String(cString: cName)
        entries.removeAll { $0.handle == handle }
        if entries.count >= 256 { entries.removeFirst() }
        entries.append(Entry(handle: handle, cName: Array(UnsafeBufferPointer(start: cName, count: strlen(cName) + 1)), name: name))
        return name
    }
}
