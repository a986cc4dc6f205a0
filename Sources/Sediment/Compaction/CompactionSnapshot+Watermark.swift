extension CompactionSnapshot {
    /// Windows that start before the returned time are closed. The watermark is the
    /// lowest latest timestamp over the partitions still receiving data; a partition
    /// idle for longer than the grace period (on the wall clock) stops holding it back,
    /// and when all are idle the wall clock is the watermark. With ingest time, the wall
    /// clock is the watermark.
    func closedBefore(schedule: WindowSchedule, now: Int64) -> Int64 {
        let grace = schedule.current.grace
        var watermark = now
        if schedule.current.windowTime == .message {
            let active = latest.values.filter { $0.ingestedAt >= now - grace }
            if let lowest = active.map(\.maxTimestamp).min() { watermark = lowest }
        }
        let (point, overflow) = watermark.subtractingReportingOverflow(grace)
        return schedule.window(containing: overflow ? .min : point).start
    }
}
