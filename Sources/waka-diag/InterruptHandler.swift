import DiagCore
import Foundation

/// Removes temporary files and exits 130 on SIGINT or SIGTERM.
///
/// The signals are ignored at the process level and delivered to a dispatch source instead, so
/// the cleanup runs as ordinary code on a queue and may take locks and remove folders.
final class InterruptHandler {
    private let removeAll: @Sendable () -> Void
    private let beforeExit: @Sendable () -> Void
    private var sources: [DispatchSourceSignal] = []

    init(cleanup: TemporaryFiles) {
        removeAll = { cleanup.removeAll() }
        beforeExit = {}
    }

    /// Also calls `beforeExit`, such as ending an in-place progress display, before the message.
    init(cleanup: CollectionCleanup, beforeExit: @escaping @Sendable () -> Void = {}) {
        removeAll = { cleanup.removeAll() }
        self.beforeExit = beforeExit
    }

    func install() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [removeAll, beforeExit] in
                removeAll()
                beforeExit()
                let name = signalNumber == SIGINT ? "SIGINT" : "SIGTERM"
                Terminal.err("interrupted by \(name): no bundle was written and temporary files were removed")
                // _exit skips atexit handlers and destructors, which could run while collector
                // threads still use the objects they tear down.
                _exit(130)
            }
            source.resume()
            sources.append(source)
        }
    }

    func uninstall() {
        for source in sources { source.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
