// swift-tools-version:6.0
import PackageDescription

// A stand-alone package that builds DiagLogs with its dependencies and a small runner, so
// `bench/loghub` works before `waka-diag bench-miner` exists and while other modules of the main
// package are mid-change. `bench/loghub` copies this file into a scratch folder and links the
// repository's `Sources/` folders beside it; nothing here is built from this folder directly.
let package = Package(
    name: "loghub-bench",
    targets: [
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium"),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1"),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib"),
        .target(name: "DiagSupport", dependencies: ["CSodium", "CYAML", "CPCRE2"]),
        // DiagLogs does not import DiagRedaction (templates pass through a caller's redaction
        // closure), so the runner builds without it and is unaffected by changes there.
        .target(name: "DiagLogs", dependencies: ["DiagSupport", "CZlib"]),
        .executableTarget(name: "LoghubBench", dependencies: ["DiagLogs"]),
    ],
    swiftLanguageModes: [.v5]
)
