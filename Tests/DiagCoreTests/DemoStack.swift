import DiagSupport
import Foundation

/// The demo stack (real Prometheus, Alertmanager, node exporter and a webhook receiver on
/// 127.0.0.1), started with `scripts/stack` and stopped by the PIDs that script recorded.
final class DemoStack {
    let stateFolder: URL
    let state: JSONValue

    init() throws {
        stateFolder = try TestSupport.temporaryFolder()
        let script = TestSupport.repositoryRoot.appendingPathComponent("scripts/stack").path
        let output = try TestSupport.run("/bin/bash", [script, "start", stateFolder.path], timeout: 180)
        guard output.status == 0 else {
            _ = try? TestSupport.run("/bin/bash", [script, "stop", stateFolder.path], timeout: 60)
            throw DiagError.io("scripts/stack start failed (\(output.status)): \(output.stderr.suffix(2000))")
        }
        state = try JSONValue.parse(try Data(contentsOf: stateFolder.appendingPathComponent("stack.json")))
    }

    func url(_ component: String) -> String { state[component]?.stringValue ?? "" }

    /// Stops exactly the processes the stack script started.
    func stop() {
        let script = TestSupport.repositoryRoot.appendingPathComponent("scripts/stack").path
        _ = try? TestSupport.run("/bin/bash", [script, "stop", stateFolder.path], timeout: 60)
        try? FileManager.default.removeItem(at: stateFolder)
    }

    /// Waits until Prometheus reports at least one firing alert in `ALERTS`, or `timeout` passes.
    func waitForFiringAlert(timeout: Double) -> Bool {
        let limit = Date().addingTimeInterval(timeout)
        let query = url("prometheus") + "/api/v1/query?query=ALERTS%7Balertstate%3D%22firing%22%7D"
        while Date() < limit {
            if let data = try? Data(contentsOf: URL(string: query)!), let value = try? JSONValue.parse(data),
                let results = value["data"]?["result"]?.arrayValue, !results.isEmpty
            {
                return true
            }
            usleep(500_000)
        }
        return false
    }
}
