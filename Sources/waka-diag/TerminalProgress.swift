import DiagCollect
import DiagCore
import Foundation

/// Prints one line per source as it starts and ends, on stderr.
struct TerminalProgress: CollectionProgress {
    func sourceStarted(_ name: String, endpoint: String) {
        Terminal.err("\(Terminal.paint("→", code: "36")) \(name) \(endpoint)")
    }

    func sourceFinished(_ result: SourceResult) {
        let mark = result.status == .ok ? Terminal.paint("✓", code: "32") : Terminal.paint("✗", code: "31")
        Terminal.err("\(mark) \(result.name) \(result.status.rawValue) in \(String(format: "%.1f", result.durationSeconds)) s")
    }

    func step(_ message: String) {
        Terminal.err("  \(message)")
    }
}

/// Removes temporary files and exits 130 on SIGINT or SIGTERM.
final class InterruptHandler {
    private let cleanup: TemporaryFiles
    private var sources: [DispatchSourceSignal] = []

    init(cleanup: TemporaryFiles) { self.cleanup = cleanup }

    func install() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [cleanup] in
                cleanup.removeAll()
                Terminal.err("interrupted: no bundle was written and temporary files were removed")
                exit(130)
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
