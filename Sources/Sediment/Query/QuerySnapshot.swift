import GRDB

/// What a query reads from the index in one read transaction, so that positions,
/// window files and coverage agree with one another.
struct QuerySnapshot {
    var positions: [Int32: Int64] = [:]
    var schedule: WindowSchedule?
    var compactedBelow: [Int32: Int64] = [:]
    var maxFileID: Int64 = 0
    var maxBlockSpan: Int64 = 0
    var maxMemberSpan: Int64 = 0
    /// Window-time ranges of windows with a file local retention deleted, merged.
    var locallyDeletedWindows: [Range<Int64>] = []

    init(index: ArchiveIndex, instance: String, topic: String, in db: Database) throws {
        for row in try Row.fetchAll(
            db, sql: "SELECT partition, next_offset FROM partitions WHERE instance = ? AND topic = ?",
            arguments: [instance, topic]) {
            positions[row[0]] = row[1]
        }
        let spans = try Row.fetchOne(
            db, sql: "SELECT max_block_span, max_member_span FROM topics WHERE instance = ? AND topic = ?",
            arguments: [instance, topic])
        maxBlockSpan = spans?[0] ?? 0
        maxMemberSpan = spans?[1] ?? 0
        schedule = try index.schedule(instance: instance, topic: topic, in: db)
        guard schedule != nil else { return }
        compactedBelow = try index.compactedBelow(instance: instance, topic: topic, in: db)
        maxFileID = try index.maxFileID(in: db)
        locallyDeletedWindows = try index.locallyDeletedWindows(instance: instance, topic: topic, maxFileID: maxFileID, in: db)
    }
}
