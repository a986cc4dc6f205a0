import Foundation
import Testing
@testable import Sediment

/// `sediment run --config FILE`: a YAML file read whole into the library's configuration
/// values, every problem reported with its line before anything starts.
@Suite("RunConfiguration")
struct RunConfigurationTests {
    @Test("an unknown key is reported at its line, with the key it was likely meant to be")
    func unknownKey() throws {
        let file = try ConfigFile("""
            tasks:
              - name: orders
                archive: a
                brokers: 127.0.0.1:9092
                topics: [orders]
                granularty: 15m
                colour: blue
                Compression_Level: 6
            """)
        #expect(file.problems() == [
            file.at(6, 5) + "tasks[0].granularty: unknown key 'granularty'; did you mean 'granularity'?",
            file.at(7, 5) + "tasks[0].colour: unknown key 'colour'",
            file.at(8, 5) + "tasks[0].Compression_Level: unknown key 'Compression_Level'; did you mean 'compression-level'?",
        ])
    }

    @Test("a value of the wrong type is reported at the value, with what was expected and what was found")
    func wrongType() throws {
        let file = try ConfigFile("""
            tasks:
              - name: orders
                archive: a
                brokers: 127.0.0.1:9092
                topics: {orders: 1}
                compression-level: high
                until-caught-up: sometimes
                kafka-options: fetch.wait.max.ms=10
            """)
        #expect(file.problems() == [
            file.at(5, 13) + "tasks[0].topics: expected a string or a list of strings, got a mapping",
            file.at(6, 24) + "tasks[0].compression-level: expected a whole number, got 'high'",
            file.at(7, 22) + "tasks[0].until-caught-up: expected true or false, got 'sometimes'",
            file.at(8, 20) + "tasks[0].kafka-options: expected a mapping of keys to values, got 'fetch.wait.max.ms=10'",
        ])
    }

    @Test("durations, sizes and start positions are read as the command line reads them; a bad one is named with its value")
    func badValues() throws {
        let file = try ConfigFile("""
            tasks:
              - name: orders
                archive: a
                brokers: 127.0.0.1:9092
                topics: [orders]
                grace: 5x
                connect-timeout: 30
                max-file-size: huge
                start: yesterday
                granularity: 90s
                format: csv
            """)
        let duration = "as a duration: use a whole number with ms, s, m, h or d (30s, 500ms)"
        #expect(file.problems() == [
            file.at(6, 12) + "tasks[0].grace: cannot read grace '5x' " + duration,
            file.at(7, 22) + "tasks[0].connect-timeout: cannot read connect-timeout '30' " + duration,
            file.at(8, 20) + "tasks[0].max-file-size: cannot read max-file-size 'huge' as a size: use bytes or a whole number with KB, MB, GB, KiB, MiB or GiB (500MB)",
            file.at(9, 12) + "tasks[0].start: cannot read 'start' 'yesterday': use earliest, latest, offset:N (N ≥ 0) or timestamp:TIME",
            file.at(10, 18) + "tasks[0].granularity: granularity must be a whole number of minutes (5m to 60m, or more), not 90000 ms",
            file.at(11, 13) + "tasks[0].format: 'csv' is not one of jsonl, text",
        ])
    }

    @Test("a target URI that cannot be used is reported at its line, naming it")
    func badTargets() throws {
        let file = try ConfigFile("""
            defaults:
              brokers: 127.0.0.1:9092
              topics: [orders]
            tasks:
              - name: a
                archive: a
                target: s4://bucket
              - name: b
                archive: b
                target: s3://bucket/kafka
              - name: c
                archive: c
                target: cos://bucket?region=ap-guangzhou
              - name: d
                archive: d
                target: file://relative/dir
            """)
        #expect(file.problems() == [
            file.at(7, 13) + "tasks[0].target: invalid object store URI 's4://bucket': unsupported scheme 's4' (expected cos, s3 or file)",
            file.at(10, 13) + "tasks[1].target: invalid object store URI 's3://bucket/kafka': missing region (add ?region=us-east-1 or similar)",
            file.at(13, 13) + "tasks[2].target: invalid object store URI 'cos://bucket?region=ap-guangzhou': a COS bucket is named BUCKET-APPID, e.g. archive-1250000000",
            file.at(16, 13) + "tasks[3].target: invalid object store URI 'file://relative/dir': a file URI needs an absolute directory, e.g. file:///var/archive",
        ])
    }

    @Test("two tasks that could write the same keys in one store are refused; other instances, topics or prefixes are not")
    func sameKeys() throws {
        let scratch = TemporaryDirectory(label: "config-keys")
        let bucket = "file://" + scratch.file("bucket")
        let file = try ConfigFile("""
            defaults:
              brokers: 127.0.0.1:9092
              target: \(bucket)
            tasks:
              - name: orders
                archive: a
                topics: [orders]
              - name: orders-again
                archive: b
                topics: [payments, orders]
              - name: under-its-prefix
                archive: c
                topics: [orders]
                target: \(bucket)/local
                key-template: "{topic}/{date}/{timestamp}"
              - name: other-instance
                archive: d
                instance: staging
                topics: [orders]
              - name: other-topic
                archive: e
                topics: [refunds]
              - name: other-prefix
                archive: f
                topics: [orders]
                target: \(bucket)/elsewhere
                key-template: "{topic}/{timestamp}"
              - name: own-worker
                archive: g
                topics: [orders]
                key-template: "{instance}/{topic}/{date}/{timestamp}-{worker}"
              - name: another-own-worker
                archive: h
                topics: [orders]
                key-template: "{instance}/{topic}/{date}/{timestamp}-{worker}"
            """, scratch: scratch)
        let advice = "give overlapping keys under their key templates; give them different prefixes, instances or key templates"
        #expect(file.problems() == [
            file.at(8, 5) + "tasks[1]: task 'orders' (line 5) could write the same keys in \(bucket): its topic 'orders' and this task's 'orders' " + advice,
            file.at(14, 13) + "tasks[2].target: task 'orders' (line 5) could write the same keys in \(bucket): its topic 'orders' and this task's 'orders' " + advice,
        ])
    }

    @Test("two tasks with one archive directory, or one inside the other's, are refused")
    func sharedArchive() throws {
        let file = try ConfigFile("""
            defaults:
              brokers: 127.0.0.1:9092
            tasks:
              - name: a
                archive: archives/one
                topics: [a]
              - name: b
                archive: ./archives/../archives/one
                topics: [b]
              - name: c
                archive: archives/one/inner
                topics: [c]
              - name: a
                archive: archives/two
                topics: [d]
            """)
        let one = file.scratch.file("archives/one")
        #expect(file.problems() == [
            file.at(8, 14) + "tasks[1].archive: \(one) is also the archive of task 'a' (line 4): each task needs an archive directory of its own",
            file.at(11, 14) + "tasks[2].archive: \(one)/inner overlaps the archive \(one) of task 'a' (line 4): each task needs an archive directory of its own",
            file.at(13, 11) + "tasks[3].name: task 'a' (line 4) has the same name: names must be unique",
        ])
    }

    @Test("missing required keys are reported at the task, each of them")
    func missingKeys() throws {
        let file = try ConfigFile("""
            tasks:
              - name: lonely
              - archive: x
                brokers: [127.0.0.1:9092]
                topics: t
            """)
        #expect(file.problems() == [
            file.at(2, 5) + "tasks[0]: missing required key 'archive'",
            file.at(2, 5) + "tasks[0]: missing required key 'brokers'",
            file.at(2, 5) + "tasks[0]: missing required key 'topics'",
            file.at(3, 5) + "tasks[1]: missing required key 'name'",
        ])
        let empty = try ConfigFile("defaults:\n  brokers: b:1\n")
        #expect(empty.problems() == [empty.at(1, 1) + "missing required key 'tasks'"])
        let none = try ConfigFile("tasks: []\n")
        #expect(none.problems() == [none.at(1, 8) + "tasks: no tasks: give at least one"])
    }

    @Test("settings that cannot go together are reported where they stand")
    func conflicts() throws {
        let file = try ConfigFile("""
            defaults:
              brokers: 127.0.0.1:9092
              topics: [t]
            tasks:
              - name: grouped
                archive: a
                group: archivers
                start: offset:10
                target: file:///tmp/never-written
              - name: no-target
                archive: b
                key-template: "{topic}/{timestamp}"
                profile: archive
                local-retention: 7d
              - name: not-compacting
                archive: c
                compact: false
                target: file:///tmp/never-written-either
              - name: s3-without-credentials
                archive: d
                target: s3://bucket?endpoint=http://127.0.0.1:1&region=us-east-1
              - name: missing-credentials-file
                archive: e
                topics: [u]
                target: s3://bucket?endpoint=http://127.0.0.1:1&region=us-east-1
                credentials-file: nowhere.ini
            """)
        #expect(file.problems() == [
            file.at(7, 12) + "tasks[0].group: invalid 'key-template' '{instance}/{topic}/{date}/{timestamp}': several workers of a consumer group share the topic: add {worker} so that their windows cannot collide",
            file.at(8, 12) + "tasks[0].start: start offset:10 cannot go with a group: a partition the archive holds nothing of resumes from the group's committed offset (set it with kafka-consumer-groups --reset-offsets); use earliest or latest",
            file.at(12, 19) + "tasks[1].key-template: key-template applies to uploads: give 'target' too",
            file.at(13, 14) + "tasks[1].profile: profile applies to uploads: give 'target' too",
            file.at(14, 22) + "tasks[1].local-retention: local-retention deletes window files only once an upload target has confirmed them: give 'target' too",
            file.at(17, 14) + "tasks[2].compact: compact: false writes no windows, and 'target' uploads the windows compaction writes",
            file.at(21, 13) + "tasks[3].target: no credentials for s3://bucket: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give a credentials file",
            file.at(26, 23) + "tasks[4].credentials-file: cannot read credentials file \(file.scratch.file("nowhere.ini"))",
        ])
    }

    @Test("every problem of a file is reported at once, in the file's order, and nothing is created")
    func allProblems() throws {
        let file = try ConfigFile("""
            defaults:
              brokers: 127.0.0.1:9092
              grace: soon
              name: shared
            tasks:
              - name: a
                archive: archive-a
                topics: [../escape]
                compression-level: 20
              - name: b
                archive: archive-b
                topics: [b]
                target: s4://x
                hooks: {}
              - archive: archive-a
                topics: [c]
            """)
        let problems = file.problems()
        #expect(problems == [
            file.at(3, 10) + "defaults.grace: cannot read grace 'soon' as a duration: use a whole number with ms, s, m, h or d (30s, 500ms)",
            file.at(4, 3) + "defaults.name: 'name' cannot be a default: each task gives its own",
            file.at(8, 14) + "tasks[0].topics[0]: invalid topic name '../escape': it contains a path separator",
            file.at(9, 24) + "tasks[0].compression-level: compression level must be 1 to 9 (gzip) or 1 to 19 (zstd), not 20",
            file.at(13, 13) + "tasks[1].target: invalid object store URI 's4://x': unsupported scheme 's4' (expected cos, s3 or file)",
            file.at(14, 5) + "tasks[1].hooks: unknown key 'hooks'",
            file.at(15, 5) + "tasks[2]: missing required key 'name'",
            file.at(15, 14) + "tasks[2].archive: \(file.scratch.file("archive-a")) is also the archive of task 'a' (line 6): each task needs an archive directory of its own",
        ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.scratch.path) == ["sediment.yaml"])
    }

    @Test("a file that is not YAML, or repeats a key, is reported at the line YAML stopped")
    func notYAML() throws {
        let broken = try ConfigFile("tasks:\n  - name: a\n    archive: [x\n")
        #expect(broken.problems() == [broken.at(4, 1) + "not valid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3)"])
        let repeated = try ConfigFile("tasks:\n  - name: a\n    name: b\n")
        #expect(repeated.problems() == [repeated.at(2, 5) + "not valid YAML: key 'name' appears twice in one mapping"])
        let list = try ConfigFile("- name: a\n")
        #expect(list.problems() == [list.at(1, 1) + "expected a mapping of keys to values, got a list"])
    }

    @Test("every key maps onto the library's configuration, defaults first and each task's own over them")
    func mapping() throws {
        let scratch = TemporaryDirectory(label: "config-mapping")
        try Data("[archive]\naccess_key_id = AK\nsecret_access_key = SK\n".utf8).write(to: scratch.url.appendingPathComponent("credentials.ini"))
        let file = try ConfigFile("""
            defaults:
              brokers: [k1:9092, k2:9092]
              granularity: 15
              kafka-options: {fetch.wait.max.ms: 10, enable.partition.eof: false}
              compression-level: 3
            tasks:
              - name: full
                archive: data/full
                instance: prod
                brokers: k3:9092
                topics: [orders, payments]
                group: archivers
                start: latest
                worker: host-a
                until-caught-up: true
                connect-timeout: 5s
                fsync: never
                batch-bytes: 4MiB
                linger: 50ms
                compact-interval: 10s
                close-all: true
                window-time: ingest
                grace: 2m
                format: text
                invalid-utf8: skip
                compression: gzip
                compression-level: 9
                max-file-size: 64MB
                keep-segments: true
                local-retention: 30d
                target: s3://archive/kafka?endpoint=http://127.0.0.1:9000&region=us-east-1&path-style=true
                key-template: "{instance}/{topic}/{date}/{hour}/{timestamp}-{worker}"
                credentials-file: credentials.ini
                profile: archive
                multipart-threshold: 32MiB
                part-size: 16MiB
                upload-concurrency: 2
                on-window: "gzip -dc | wc -l"
                hook-retries: 2
              - name: plain
                archive: /tmp/sediment-config-plain-never-created
                topics: t
            """, scratch: scratch)
        let tasks = try file.load().tasks
        #expect(tasks.map(\.name) == ["full", "plain"])

        let full = tasks[0]
        #expect(full.location == ConfigLocation(line: 7, column: 5))
        #expect(full.pipeline.archive == scratch.file("data/full"))
        let dump = full.pipeline.dump
        #expect(dump.brokers == "k3:9092" && dump.topics == ["orders", "payments"] && dump.instance == "prod")
        #expect(dump.group == "archivers" && dump.start == .latest && dump.untilCaughtUp)
        #expect(dump.kafkaOptions == ["fetch.wait.max.ms": "10", "enable.partition.eof": "false"])
        #expect(dump.connectTimeout == .seconds(5) && dump.batchBytes == 4 << 20 && dump.linger == .milliseconds(50))
        #expect(full.pipeline.writer.fsync == .never && full.pipeline.writer.worker == "host-a")
        #expect(full.pipeline.writer.consumerGroup == "archivers" && full.pipeline.writer.recordsWorker)
        let compaction = try #require(dump.compaction)
        var change = WindowSettingsChange()
        change.granularity = 900_000
        change.windowTime = .ingest
        change.grace = 120_000
        change.format = .text
        change.invalidUTF8 = .skip
        change.compression = .gzip
        change.compressionLevel = 9
        change.maxFileSize = 64_000_000
        #expect(compaction.change == change)
        #expect(compaction.interval == .seconds(10) && full.pipeline.uploadRetryDelay == .seconds(10))
        #expect(compaction.closeAllWhenCaughtUp)
        #expect(!compaction.retention.deleteCompactedSegments && compaction.retention.localWindowRetention == 30 * 86_400_000)
        var upload = UploadSettings(uri: "s3://archive/kafka?endpoint=http://127.0.0.1:9000&region=us-east-1&path-style=true")
        upload.keyTemplate = "{instance}/{topic}/{date}/{hour}/{timestamp}-{worker}"
        upload.credentials = .file(path: scratch.file("credentials.ini"), profile: "archive")
        upload.multipartThreshold = 32 << 20
        upload.partSize = 16 << 20
        upload.concurrency = 2
        #expect(full.upload == upload)
        #expect(full.onWindowHook?.command == .shell("gzip -dc | wc -l") && full.onWindowHook?.retries == 2)

        let plain = tasks[1]
        #expect(plain.pipeline.dump.brokers == "k1:9092,k2:9092" && plain.pipeline.dump.instance == "local")
        #expect(plain.pipeline.dump.topics == ["t"] && plain.pipeline.dump.group == nil && plain.pipeline.dump.start == .earliest)
        #expect(plain.pipeline.dump.kafkaOptions == ["fetch.wait.max.ms": "10", "enable.partition.eof": "false"])
        var plainChange = WindowSettingsChange()
        plainChange.granularity = 900_000
        plainChange.compressionLevel = 3
        #expect(plain.pipeline.dump.compaction?.change == plainChange)
        #expect(plain.pipeline.dump.compaction?.retention == RetentionPolicy())
        #expect(plain.pipeline.dump.compaction?.closeAllWhenCaughtUp == false)
        #expect(plain.upload == nil && plain.onWindowHook == nil)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/sediment-config-plain-never-created"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("data")))
    }

    @Test("close-all is refused at its line without until-caught-up, and with compact: false")
    func closeAllNeedsCaughtUp() throws {
        let file = try ConfigFile("""
            defaults:
              brokers: 127.0.0.1:9092
              topics: [orders]
            tasks:
              - name: a
                archive: a
                close-all: true
              - name: b
                archive: b
                until-caught-up: true
                compact: false
                close-all: true
              - name: c
                archive: c
                until-caught-up: true
                close-all: true
            """)
        #expect(file.problems() == [
            file.at(7, 16) + "tasks[0].close-all: close-all needs 'until-caught-up: true': " + DumpOptions.closeAllReason,
            file.at(12, 16) + "tasks[1].close-all: close-all closes the windows compaction writes, and compact: false writes none",
        ])
    }

    @Test("the example file in examples/ reads without a problem, as its comments describe it")
    func example() throws {
        let path = Self.repository.appendingPathComponent("examples/sediment.yaml").path
        let environment = ["PATH": "/usr/bin:/bin", "COS_SECRET_ID": "id", "COS_SECRET_KEY": "key"]
        let configuration = try RunConfiguration.load(path: path, environment: environment)
        #expect(configuration.tasks.map(\.name) == ["orders", "app-log"])
        let (orders, appLog) = (configuration.tasks[0], configuration.tasks[1])
        #expect(orders.pipeline.dump.brokers == "kafka1:9092,kafka2:9092" && appLog.pipeline.dump.brokers == orders.pipeline.dump.brokers)
        #expect(orders.pipeline.dump.instance == "prod" && orders.pipeline.dump.group == "archivers")
        #expect(orders.pipeline.dump.kafkaOptions["security.protocol"] == "SASL_SSL")
        #expect(orders.pipeline.dump.compaction?.change.granularity == 900_000)
        let retention = try #require(orders.pipeline.dump.compaction?.retention)
        #expect(retention.localWindowRetention == 604_800_000 && retention.deleteCompactedSegments)
        #expect(orders.upload?.uri == "cos://archive-1250000000/kafka?region=ap-guangzhou" && orders.upload?.credentials == .environment)
        #expect(orders.onWindowHook?.command == .command(["/usr/bin/logger", "-t", "sediment-window"]))
        #expect(appLog.pipeline.dump.compaction?.change.format == .text && appLog.pipeline.dump.compaction?.change.granularity == 3_600_000)
        #expect(appLog.pipeline.dump.compaction?.retention.deleteCompactedSegments == false)
        #expect(appLog.upload?.uri == "file:///mnt/backup/kafka")
        // Without credentials in the environment, the COS task cannot start: said before anything runs.
        let error = #expect(throws: SedimentError.self) { try RunConfiguration.load(path: path, environment: ["PATH": "/usr/bin:/bin"]) }
        #expect(error?.message.contains("tasks[0].target: no credentials for cos://archive-1250000000/kafka") == true, "\(String(describing: error))")
    }

    @Test("the README's config reference lists every key a task takes, and no other")
    func readmeReference() throws {
        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "### Config file reference").dropFirst().first)
        let table = section.components(separatedBy: "\n\n").first { $0.contains("| key |") } ?? ""
        let keys = table.split(separator: "\n").dropFirst(2).compactMap { row -> String? in
            let cell = row.split(separator: "|").first?.trimmingCharacters(in: .whitespaces) ?? ""
            return cell.hasPrefix("`") ? String(cell.dropFirst().prefix { $0 != "`" }) : nil
        }
        #expect(keys == TaskKey.allCases.map(\.rawValue))
    }

    @Test("the plan names each task's archive, brokers, topics, group, windows, target, key template, retention and hook")
    func plan() throws {
        let file = try ConfigFile("""
            tasks:
              - name: orders
                archive: /data/orders
                brokers: kafka1:9092
                topics: [orders, payments]
                group: archivers
                granularity: 5m
                kafka-options: {sasl.password: secret}
                target: file:///mnt/backup
                key-template: "{instance}/{topic}/{date}/{timestamp}-{worker}"
                local-retention: 2d
                on-window: [sh, -c, "cat > /dev/null"]
              - name: logs
                archive: /data/logs
                brokers: kafka1:9092
                topics: logs
                until-caught-up: true
                compact: false
              - name: export
                archive: /data/export
                brokers: kafka1:9092
                topics: exports
                until-caught-up: true
                close-all: true
            """)
        let plan = try file.load().plan
        #expect(plan == """
            \(file.path): 3 tasks, checked; nothing was started
            task orders (line 2)
              archive        /data/orders
              brokers        kafka1:9092
              topics         orders, payments (instance local)
              consumer       group archivers; start earliest; runs until stopped
              kafka options  sasl.password (values not shown)
              writer         batches of 16MiB or 500ms, fsync batch
              windows        5m of message time, grace 1m, jsonl, gzip level 6, parts above 500MB, written every 30s
              retention      segments deleted once their messages are in jsonl windows every target confirmed; window files deleted 2d after their window ends, once uploaded
              target         file:///mnt/backup
              key template   {instance}/{topic}/{date}/{timestamp}-{worker}
              uploads        parts of 8MiB above 16MiB, 4 at a time
              hook           on-window: /usr/bin/sh -c 'cat > /dev/null', retried 5 times
            task logs (line 13)
              archive   /data/logs
              brokers   kafka1:9092
              topics    logs (instance local)
              consumer  no group: every partition; start earliest; stops once caught up
              writer    batches of 16MiB or 500ms, fsync batch
              windows   none (compact: false): run `sediment compact` separately
              target    none: windows stay local
              hook      none
            task export (line 19)
              archive    /data/export
              brokers    kafka1:9092
              topics     exports (instance local)
              consumer   no group: every partition; start earliest; stops once caught up
              writer     batches of 16MiB or 500ms, fsync batch
              windows    1h of message time, grace 1m, jsonl, gzip level 6, parts above 500MB, written every 30s, all closed once caught up
              retention  segments deleted once their messages are in jsonl windows every target confirmed; window files kept
              target     none: windows stay local
              hook       none
            Window settings a task leaves out are shown with their defaults, which a new topic gets; a topic its archive already holds keeps the settings recorded for it.

            """)
        #expect(!plan.contains("secret"))
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
