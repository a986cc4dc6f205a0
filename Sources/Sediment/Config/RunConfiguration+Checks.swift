import Foundation
import SedimentObjectStore

extension RunConfiguration {
    /// What no task shows alone: a name used twice, an archive two tasks share (or one
    /// inside another's), two tasks that could write the same keys in one store. Each is
    /// reported at the later task, naming the earlier.
    static func checkAcrossTasks(_ drafts: [TaskDraft]) {
        for (index, draft) in drafts.enumerated() {
            let earlier = drafts[..<index]
            if let name = draft.name, let other = earlier.first(where: { $0.name == name }) {
                draft.problem(at: .name, "\(label(other)) has the same name: names must be unique")
            }
            if let archive = draft.archive, let other = earlier.first(where: { $0.archive.map { nested(archive, $0) } == true }) {
                let relation = other.archive == archive ? "is also the archive of" : "overlaps the archive \(other.archive ?? "") of"
                draft.problem(at: .archive, "\(archive) \(relation) \(label(other)): each task needs an archive directory of its own")
            }
            for other in earlier {
                guard let (topic, otherTopic, store) = sameKeys(draft, other) else { continue }
                draft.problem(
                    at: .target,
                    "\(label(other)) could write the same keys in \(store): its topic '\(otherTopic)' and this task's '\(topic)' "
                        + "give overlapping keys under their key templates; give them different prefixes, instances or key templates")
                break
            }
        }
    }

    private static func label(_ draft: TaskDraft) -> String {
        let line = draft.mapping.location.map { " (line \($0.line))" } ?? ""
        return draft.name.map { "task '\($0)'\(line)" } ?? "the task\(line)"
    }

    /// The same directory, or one inside the other.
    private static func nested(_ a: String, _ b: String) -> Bool {
        a == b || a.hasPrefix(b + "/") || b.hasPrefix(a + "/")
    }

    /// A topic of each task whose keys could be the same in one store, and `b`'s target.
    private static func sameKeys(_ a: TaskDraft, _ b: TaskDraft) -> (String, String, String)? {
        guard let targetA = a.target, let targetB = b.target, let templateA = a.template, let templateB = b.template else { return nil }
        let (storeA, prefixA) = keySpace(targetA)
        let (storeB, prefixB) = keySpace(targetB)
        guard storeA == storeB else { return nil }
        // An unnamed worker is the archive's own: no other task's keys hold it.
        let workerA = a.worker ?? "\u{E000}" + (a.archive ?? "a")
        let workerB = b.worker ?? "\u{E000}" + (b.archive ?? "b")
        for topicA in a.topics {
            let keysA = templateA.keys(under: prefixA, instance: a.instance, topic: topicA, worker: workerA)
            for topicB in b.topics where keysA.overlaps(templateB.keys(under: prefixB, instance: b.instance, topic: topicB, worker: workerB)) {
                return (topicA, topicB, targetB.description)
            }
        }
        return nil
    }

    /// The store a target writes to and the prefix of its keys there; `file://` targets
    /// are all one store of paths, so that a directory inside another is seen.
    private static func keySpace(_ target: ObjectTarget) -> (store: String, prefix: String) {
        switch target.flavor {
        case .file:
            return ("file://", String((target.bucket as NSString).standardizingPath.drop { $0 == "/" }))
        case .s3, .cos:
            let host = target.endpoint.map { "\($0.host ?? "")\($0.port.map { ":\($0)" } ?? "")" } ?? ""
            return ("\(target.flavor.rawValue)://\(target.bucket) at \(host.lowercased())", target.prefix)
        }
    }
}
