import Foundation
import Testing
@testable import Sediment

@Suite("Archive identity")
struct ArchiveIdentityTests {
    @Test("two archives get different ids; an archive's default worker name is recorded once and kept when the host name changes")
    func defaultWorkerName() throws {
        let directory = TemporaryDirectory(label: "identity")
        var ids: Set<String> = []
        for name in ["a", "b"] {
            let writer = try ArchiveWriter(at: directory.file(name))
            let archive = writer.archive
            let id = try archive.index.archiveID()
            #expect(id.count == 8 && id.allSatisfy(\.isHexDigit), "\(id)")
            ids.insert(id)
            #expect(try archive.defaultWorkerName(host: "host-1") == "host-1-\(id)")
            #expect(try archive.defaultWorkerName(host: "renamed") == "host-1-\(id)", "kept: the keys it made stay the same")
        }
        #expect(ids.count == 2)
    }
}
