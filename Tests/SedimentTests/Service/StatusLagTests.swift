import Foundation
import Testing
@testable import Sediment

/// `sediment status --brokers` compares the archive's positions with the cluster's high
/// watermarks.
@Suite("status --brokers")
struct StatusLagTests {
    let scratch = TemporaryDirectory(label: "status-lag")

    struct StatusJSON: Decodable {
        var lag: [PartitionLag]?
    }

    @Test("each partition's high watermark and lag: the messages produced after the dump caught up")
    func lagPerPartition() throws {
        let kafka = try KafkaFixture(topics: ["orders": 3])
        try kafka.produce(topic: "orders", partitions: 3, count: 300)
        let archive = scratch.file("archive")
        _ = try CLIProcess.succeed(
            ["dump", "--brokers", kafka.bootstrap, "--topic", "orders", "--archive", archive, "--until-caught-up", "--no-compact"],
            scratch: scratch)
        try kafka.produce(topic: "orders", partitions: 3, count: 30 + 31 + 32)

        let json = try CLIProcess.succeed(["status", "--archive", archive, "--brokers", kafka.bootstrap, "--json"], scratch: scratch)
        let lag = try #require(try JSONDecoder().decode(StatusJSON.self, from: json).lag).sorted { $0.partition < $1.partition }
        #expect(lag == [
            PartitionLag(topic: "orders", partition: 0, highWatermark: 131, lag: 31),
            PartitionLag(topic: "orders", partition: 1, highWatermark: 131, lag: 31),
            PartitionLag(topic: "orders", partition: 2, highWatermark: 131, lag: 31),
        ], "\(lag)")
        let table = String(decoding: try CLIProcess.succeed(["status", "--archive", archive, "--brokers", kafka.bootstrap], scratch: scratch), as: UTF8.self)
        #expect(table.contains("HIGH WATERMARK  LAG") && table.contains("100       131             31"), "\(table)")

        let unreachable = try CLIProcess.run(
            ["status", "--archive", archive, "--brokers", "127.0.0.1:1", "--kafka-option", "socket.connection.setup.timeout.ms=1000"], scratch: scratch)
        #expect(unreachable.status == ExitStatus.remote && unreachable.stderr.contains("cannot read the high watermarks of instance 'local' at 127.0.0.1:1"), "\(unreachable.summary)")
    }
}
