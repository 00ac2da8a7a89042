import DiagSupport
import Testing

/// `FileSafety.freeName` numbers a name before its extension until the name is free.
struct FreeNameTests {
    @Test(arguments: [
        ("report.txt", ["report.txt"], "report-2.txt"),
        ("report.txt", ["report.txt", "report-2.txt"], "report-3.txt"),
        ("report.txt", [], "report.txt"),
        ("config/files/site/app.tar.gz", ["config/files/site/app.tar.gz"], "config/files/site/app.tar-2.gz"),
        ("config/files/.env", ["config/files/.env"], "config/files/.env-2"),
        ("conf.d/hosts", ["conf.d/hosts"], "conf.d/hosts-2"),
    ])
    func numberGoesBeforeExtension(path: String, taken: [String], expected: String) {
        #expect(FileSafety.freeName(path) { taken.contains($0) } == expected)
    }
}
