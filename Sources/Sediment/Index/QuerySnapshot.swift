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

    init(index: ArchiveIndex, instance: String, topic: String, in db: Database) throws {
        for row in try Row.fetchAll(
            db, sql: "SELECT partition, next_offset FROM partitions WHERE instance = ? AND topic = ?",
            arguments: [instance, topic]) {
            positions[row["partition"]] = row["next_offset"]
        }
        let spans = try Row.fetchOne(
            db, sql: "SELECT max_block_span, max_member_span FROM topics WHERE instance = ? AND topic = ?",
            arguments: [instance, topic])
        maxBlockSpan = spans?["max_block_span"] ?? 0
        maxMemberSpan = spans?["max_member_span"] ?? 0
        schedule = try index.schedule(instance: instance, topic: topic, in: db)
        guard schedule != nil else { return }
        compactedBelow = try index.compactedBelow(instance: instance, topic: topic, in: db)
        maxFileID = try index.maxFileID(in: db)
    }
}
