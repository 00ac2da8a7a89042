import DiagCollect

/// Receives progress events while `collect` runs; the command line turns them into terminal output.
public protocol CollectionProgress: Sendable {
    func sourceStarted(_ name: String, endpoint: String)
    func sourceFinished(_ result: SourceResult)
    func step(_ message: String)
}

/// Progress that goes nowhere, for tests and `--quiet`.
public struct SilentProgress: CollectionProgress {
    public init() {}
    public func sourceStarted(_ name: String, endpoint: String) {}
    public func sourceFinished(_ result: SourceResult) {}
    public func step(_ message: String) {}
}
