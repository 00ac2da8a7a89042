// swift-tools-version:6.0
import PackageDescription

// Layers, from the bottom up: one system-library target per C library, DiagSupport (the only
// Swift code that calls libsodium and libyaml directly, plus shared value types), one library per
// concern, DiagCore (the collection pipeline and the bundle), and the thin `waka-diag` executable.
let package = Package(
    name: "waka-diag",
    products: [
        .executable(name: "waka-diag", targets: ["waka-diag"]),
        .library(name: "DiagCore", targets: ["DiagCore"]),
    ],
    targets: [
        .systemLibrary(
            name: "CArchive", pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(
            name: "CSodium", pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(
            name: "CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CPCRE2", pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(
            name: "CHyperscan", pkgConfig: "libhs",
            providers: [.apt(["libhyperscan-dev"])]),

        .target(name: "DiagSupport", dependencies: ["CSodium", "CYAML", "CPCRE2"]),
        .target(name: "DiagCrypto", dependencies: ["DiagSupport", "CSodium"]),
        .target(name: "DiagArchive", dependencies: ["DiagSupport", "CArchive"]),
        .target(name: "DiagRedaction", dependencies: ["DiagSupport", "CHyperscan"]),
        .target(name: "DiagLogs", dependencies: ["DiagSupport", "DiagRedaction", "CZlib"]),
        .target(name: "DiagCollect", dependencies: ["DiagSupport"]),
        .target(
            name: "DiagCore",
            dependencies: [
                "DiagSupport", "DiagCrypto", "DiagArchive", "DiagRedaction", "DiagCollect",
                "DiagLogs",
            ]),
        .target(name: "DiagTransfer", dependencies: ["DiagSupport", "DiagCrypto", "DiagArchive", "DiagCollect", "DiagCore"]),
        .executableTarget(name: "waka-diag", dependencies: ["DiagCore", "DiagTransfer", "DiagLogs"]),

        // Test support shared by several test targets.
        .target(name: "TestCleanup", path: "Tests/TestCleanup"),
        .testTarget(name: "DiagSupportTests", dependencies: ["DiagSupport"]),
        .testTarget(name: "DiagCryptoTests", dependencies: ["DiagCrypto"]),
        .testTarget(name: "DiagArchiveTests", dependencies: ["DiagArchive"]),
        .testTarget(name: "DiagRedactionTests", dependencies: ["DiagRedaction", "TestCleanup"]),
        .testTarget(name: "DiagLogsTests", dependencies: ["DiagLogs"]),
        .testTarget(name: "DiagCollectTests", dependencies: ["DiagCollect"], exclude: ["Fixtures"]),
        .testTarget(name: "DiagCoreTests", dependencies: ["DiagCore", "TestCleanup"], exclude: ["Fixtures"]),
        .testTarget(name: "DiagTransferTests", dependencies: ["DiagTransfer", "TestCleanup"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v5]
)
