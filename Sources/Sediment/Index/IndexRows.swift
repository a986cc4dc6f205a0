import GRDB

/// One row of the sparse time index: a run of records of one partition in one segment.
struct BlockRow: Sendable, Hashable, FetchableRecord {
    var partition: Int32
    var minTimestamp: Int64
    var maxTimestamp: Int64
    var firstOffset: Int64
    var lastOffset: Int64
    var count: Int
    var segmentBase: Int64
    var position: Int64
    var length: Int
    var ingestedAt: Int64

    static let columns =
        "partition, min_timestamp, max_timestamp, first_offset, last_offset, record_count, segment_base, position, length, ingested_at"

    init(
        partition: Int32, minTimestamp: Int64, maxTimestamp: Int64, firstOffset: Int64, lastOffset: Int64,
        count: Int, segmentBase: Int64, position: Int64, length: Int, ingestedAt: Int64
    ) {
        self.partition = partition
        self.minTimestamp = minTimestamp
        self.maxTimestamp = maxTimestamp
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.count = count
        self.segmentBase = segmentBase
        self.position = position
        self.length = length
        self.ingestedAt = ingestedAt
    }

    init(row: Row) {
        self.init(
            partition: row["partition"], minTimestamp: row["min_timestamp"], maxTimestamp: row["max_timestamp"],
            firstOffset: row["first_offset"], lastOffset: row["last_offset"], count: row["record_count"],
            segmentBase: row["segment_base"], position: row["position"], length: row["length"], ingestedAt: row["ingested_at"])
    }

    /// The `date` column: UTC `yyyy-MM-dd`, clamped to years 0000...9999 so that the
    /// text sorts like the time it stands for, whatever a producer put in a timestamp.
    static func indexDay(_ milliseconds: Int64) -> String {
        let lowest: Int64 = -62_167_219_200_000 // 0000-01-01T00:00:00Z
        let highest: Int64 = 253_402_300_799_999 // 9999-12-31T23:59:59.999Z
        return UTCDate.day(ofMilliseconds: min(max(milliseconds, lowest), highest))
    }

    func insert(instance: String, topic: String, into db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO blocks (instance, topic, date, \(Self.columns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        statement.setUncheckedArguments([
            instance, topic, Self.indexDay(minTimestamp), partition, minTimestamp, maxTimestamp,
            firstOffset, lastOffset, count, segmentBase, position, length, ingestedAt,
        ])
        try statement.execute()
    }
}

struct SegmentRow: Sendable, Hashable {
    var baseOffset: Int64
    var size: Int64
}
