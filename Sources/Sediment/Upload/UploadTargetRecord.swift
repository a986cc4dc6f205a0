/// An upload target as the index records it. Recording a continuous target is what makes
/// local retention wait for its confirmations, so whoever compacts with a target records
/// it before the first compaction pass (`DumpOptions.Compaction.targets`).
public struct UploadTargetRecord: Sendable, Hashable {
    /// As given on the command line; never holds a secret. The index records and matches
    /// it in its canonical form (`ObjectTarget.canonicalURI`): two spellings of one bucket
    /// and prefix are one target.
    public var uri: String
    public var template: KeyTemplate
    /// Whether local retention waits for this target. `reupload`'s targets are not.
    public var continuous: Bool

    public init(uri: String, template: KeyTemplate, continuous: Bool) {
        self.uri = uri
        self.template = template
        self.continuous = continuous
    }
}
