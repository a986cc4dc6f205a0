// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Sediment",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Sediment", targets: ["Sediment"]),
        .executable(name: "sediment", targets: ["sediment"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // `run --config`: YAML nodes carry their line and column, so that every error in a
        // config file names its line (TOMLKit 0.6 gives positions for syntax errors only).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Tests only: generators for the property tests of every parser that reads input from outside.
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Whole members: deflated when a window is written, inflated when their size is known;
        // zlib inflates streams and names what is wrong with a damaged member.
        .systemLibrary(name: "CLibdeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        // Our own C: CRC-32 folding with PCLMULQDQ (zlib's table CRC runs at ~1.4 GB/s here).
        .target(name: "CSedimentCRC"),
        .target(name: "SedimentDeflate", dependencies: ["CLibdeflate"]),
        .target(name: "SedimentZlib", dependencies: ["CZlib", "CSedimentCRC", "SedimentDeflate"]),
        .target(name: "SedimentZstd", dependencies: ["CZstd"]),
        .target(name: "SedimentKafka", dependencies: ["CRdKafka"]),
        .target(
            name: "SedimentObjectStore",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Sediment",
            dependencies: [
                "SedimentZlib",
                "SedimentZstd",
                "SedimentKafka",
                "SedimentObjectStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The HTTP side: /metrics, /healthz and /readyz beside a task; serve's API and console.
        .target(
            name: "SedimentHTTP",
            dependencies: [
                "Sediment",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "SedimentObjectStore",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "sediment",
            dependencies: [
                "Sediment",
                "SedimentHTTP",
                "SedimentKafka",
                "SedimentObjectStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "sediment-bench",
            dependencies: ["Sediment", "SedimentObjectStore", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/SedimentBench"
        ),
        // Real servers and fault injection shared by the test targets: SeaweedFS, the fault proxy.
        .target(
            name: "SedimentTestSupport",
            dependencies: [
                "SedimentObjectStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SedimentTestSupport"
        ),
        // Fault injection on librdkafka's mock cluster: brokers down and up, round-trip
        // times, request errors. Test-only; it reaches the cluster through @_spi(Testing).
        .target(
            name: "SedimentKafkaTestSupport",
            dependencies: ["SedimentKafka", "CRdKafka"],
            path: "Tests/SedimentKafkaTestSupport"
        ),
        // zlib's own gzip wrapping, which the product does not use, for the tests to compare with.
        .systemLibrary(name: "CZlibTestShim", path: "Tests/CZlibTestShim", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .testTarget(name: "SedimentZlibTests", dependencies: ["SedimentZlib", "SedimentDeflate", "CZlibTestShim"]),
        .testTarget(name: "SedimentKafkaTests", dependencies: ["SedimentKafka", "SedimentKafkaTestSupport", "SedimentTestSupport"]),
        .testTarget(
            name: "SedimentObjectStoreTests",
            dependencies: [
                "SedimentObjectStore",
                "SedimentTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SedimentTests",
            dependencies: [
                "Sediment", "SedimentZlib", "SedimentZstd", "SedimentKafka", "SedimentObjectStore", "SedimentTestSupport", "SedimentKafkaTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ]
)
