extension Archive {
    /// The replays recorded in the archive, oldest first.
    public func replays() throws -> [ReplayRecord] {
        try index.replays()
    }

    /// The offset map of one replay, by source partition and offset.
    public func replayRuns(id: String) throws -> [ReplayRun] {
        try index.replayRuns(id: id)
    }
}
