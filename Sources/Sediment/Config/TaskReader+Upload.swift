import Logging
import SedimentObjectStore

extension TaskReader {
    /// The target and how to upload to it, checked as far as can be without a store: the
    /// URI, the key template (with `{worker}` for a group), the sizes, and that the
    /// credentials load. Nil without a `target`; then the upload keys set in the task
    /// itself are problems (in `defaults` they are for the tasks that have one).
    func readUpload(into draft: inout TaskDraft, group: String?, compacts: Bool, splits: Bool = false) -> UploadSettings? {
        guard let targetValue = value(.target) else {
            for key in TaskKey.uploadKeys { mapping[key.rawValue]?.problem("\(key.rawValue) applies to uploads: give 'target' too") }
            return nil
        }
        guard let uri = targetValue.string() else { return nil }
        if !compacts {
            value(.compact)?.problem("compact: false writes no windows, and 'target' uploads the windows compaction writes")
        }
        var settings = UploadSettings(uri: uri)
        draft.target = targetValue.reporting { try ObjectTarget(parsing: uri) }
        if let template = value(.keyTemplate)?.string() { settings.keyTemplate = template }
        // A group's workers share the bucket, and a window split by partition has a file
        // per partition: the template must tell them apart.
        draft.template = (value(.keyTemplate) ?? value(.group) ?? value(.split) ?? targetValue).reporting {
            try KeyTemplate(settings.keyTemplate, sharedByWorkers: group != nil, splitByPartition: splits)
        }
        let fileValue = value(.credentialsFile)
        if let path = fileValue?.string() {
            settings.credentials = .file(path: absolute(path), profile: string(.profile) ?? "default")
        } else if fileValue == nil, let profile = value(.profile) {
            profile.problem("profile names a section of a credentials file: give 'credentials-file' too")
        }
        if let target = draft.target {
            // Checked now, so that a file that cannot give them is a problem of the config file.
            let variables = environment
            (fileValue ?? targetValue).reporting {
                _ = try settings.credentials.provider(
                    for: target, logger: Logger(label: "sediment.config", factory: { _ in SwiftLogNoOpLogHandler() }), environment: { variables })
            }
        }
        settings.multipartThreshold = size(.multipartThreshold) ?? settings.multipartThreshold
        settings.partSize = size(.partSize) ?? settings.partSize
        if let value = value(.uploadConcurrency), let concurrency = value.int() {
            if concurrency < 1 { value.problem("upload-concurrency must be at least 1, not \(concurrency)") }
            settings.concurrency = concurrency
        }
        return settings
    }

    /// `on-window`: a string for `sh -c`, or a list (the program and its arguments); and
    /// `hook-retries`.
    func readHook() -> WindowHook? {
        let retries = value(.hookRetries)
        guard let value = value(.onWindow) else {
            retries?.problem("hook-retries needs on-window")
            return nil
        }
        let command: WindowHook.Command?
        if value.node.sequence != nil {
            command = value.strings(single: false).map { .command($0.map(\.0)) }
        } else {
            command = value.string().map { .shell($0) }
        }
        guard let checked = command.flatMap({ command in value.reporting { try command.checked(directory: directory, environment: environment) } }) else {
            return nil
        }
        var hook = WindowHook(command: checked)
        if let retries, let count = retries.int() {
            if count < 0 { retries.problem("hook-retries must be 0 or more, not \(count)") }
            hook.retries = count
        }
        return hook
    }
}
