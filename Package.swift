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
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .target(name: "SedimentZlib", dependencies: ["CZlib"]),
        .target(
            name: "Sediment",
            dependencies: [
                "SedimentZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sediment",
            dependencies: [
                "Sediment",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sediment-bench",
            dependencies: ["Sediment"],
            path: "Benchmarks/SedimentBench"
        ),
        .testTarget(name: "SedimentZlibTests", dependencies: ["SedimentZlib"]),
        .testTarget(name: "SedimentTests", dependencies: ["Sediment", "SedimentZlib"]),
    ]
)
