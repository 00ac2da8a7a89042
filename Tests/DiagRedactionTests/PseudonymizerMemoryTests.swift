@testable import DiagRedaction
import Foundation
import Testing

/// The pseudonymizer's caches stay bounded, and emptying them never changes a pseudonym.
struct PseudonymizerMemoryTests {
    @Test func hostTablesStayBounded() {
        let pseudonymizer = Pseudonymizer(secret: TestSupport.secret)
        let first = pseudonymizer.pseudonym(for: "10.0.0.7", kind: .ipv4)
        let private192 = pseudonymizer.pseudonym(for: "192.168.1.9", kind: .ipv4)

        // Public addresses in more /24 networks than the table cache holds.
        let count = Pseudonymizer.tableLimit + 500
        for index in 0..<count {
            let address = "81.\(index / 256 % 256).\(index % 256).\(1 + index % 200)"
            _ = pseudonymizer.pseudonym(for: address, kind: .ipv4)
        }
        #expect(pseudonymizer.hostTables.count <= Pseudonymizer.tableLimit)
        #expect(pseudonymizer.tables.keys.sorted() == ["ipv4-range-private-10", "ipv4-range-private-192"])

        // A fresh pseudonymizer, with nothing cached, gives the same pseudonyms.
        let fresh = Pseudonymizer(secret: TestSupport.secret)
        #expect(fresh.pseudonym(for: "10.0.0.7", kind: .ipv4) == first)
        #expect(fresh.pseudonym(for: "192.168.1.9", kind: .ipv4) == private192)
        #expect(fresh.pseudonym(for: "81.0.3.4", kind: .ipv4) == pseudonymizer.pseudonym(for: "81.0.3.4", kind: .ipv4))
    }
}
