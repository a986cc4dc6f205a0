import ArgumentParser
import Foundation
import Sediment
import SedimentKafka

struct MockClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-cluster",
        abstract: "Serve librdkafka's mock Kafka cluster on loopback, for trying Sediment, tests and benchmarks.",
        discussion: """
            Prints the bootstrap address on the first line of stdout, then serves until SIGINT \
            or SIGTERM. kcat and any Kafka client can produce to it and consume from it. It keeps \
            only about the last 5 MB of each partition, like a short retention.
            """
    )

    @Option(help: ArgumentHelp("The bootstrap broker's port (default: any free port).", valueName: "port"))
    var port: Int?

    @Option(help: ArgumentHelp("How many brokers.", valueName: "n"))
    var brokers = 1

    @Option(name: .customLong("topic"), help: ArgumentHelp("A topic to create, NAME:PARTITIONS; repeat for several.", valueName: "name:partitions"))
    var topics: [String] = []

    func run() async throws {
        try await reportingAsyncErrors {
            let cluster: MockCluster
            do {
                cluster = try MockCluster(brokers: brokers, port: port)
                for topic in topics {
                    guard let colon = topic.lastIndex(of: ":"), let partitions = Int32(topic[topic.index(after: colon)...]), partitions > 0 else {
                        throw ValidationError("cannot read --topic '\(topic)': use NAME:PARTITIONS, e.g. orders:3")
                    }
                    try cluster.createTopic(String(topic[..<colon]), partitions: partitions)
                }
            } catch let error as KafkaError {
                throw SedimentError(.kafka, "cannot start the mock cluster: \(error)", underlying: error)
            }
            // Written straight to the descriptor: whoever started us waits for this line.
            let line = cluster.bootstrapServers + "\n"
            _ = line.withCString { write(1, $0, strlen($0)) }
            await waitForShutdownSignal()
            withExtendedLifetime(cluster) {}
        }
    }
}
