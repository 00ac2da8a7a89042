@testable import DiagRedaction
import DiagSupport
import Foundation
import Testing

/// Pseudonyms of 32 bits or fewer collide; a collision must be re-keyed, never mapped back to
/// the wrong original.
struct PseudonymReKeyingTests {
    /// Returns two tenant ids whose plain (attempt 0) pseudonyms are equal under the test secret.
    /// The birthday bound makes a 32-bit collision likely within about 2^16 values, so the
    /// search tries up to 2^18 and fails the test if it finds none.
    static let collidingTenants: (String, String)? = {
        let pseudonymizer = Pseudonymizer(secret: TestSupport.secret)
        var seen: [String: String] = [:]
        for index in 0..<(1 << 18) {
            let value = "tenant-\(index)"
            let hex = pseudonymizer.hex(RuleKind.tenantID.rawValue, value, count: 4)
            if let earlier = seen[hex] { return (earlier, value) }
            seen[hex] = value
        }
        return nil
    }()

    @Test func forcedCollisionIsReKeyed() throws {
        let (first, second) = try #require(Self.collidingTenants)
        let pseudonymizer = Pseudonymizer(secret: TestSupport.secret)
        let plain = "tenant-" + pseudonymizer.hex(RuleKind.tenantID.rawValue, second, count: 4)

        let firstPseudonym = pseudonymizer.pseudonym(for: first, kind: .tenantID)
        let secondPseudonym = pseudonymizer.pseudonym(for: second, kind: .tenantID)
        #expect(firstPseudonym == plain, "the first value keeps the plain pseudonym")
        #expect(secondPseudonym != firstPseudonym)
        #expect(secondPseudonym == "tenant-" + pseudonymizer.hex("tenant-id#1", second, count: 4))
        #expect(pseudonymizer.pseudonym(for: second, kind: .tenantID) == secondPseudonym, "stable within a run")
    }

    @Test func collidingValuesUnmapToTheirOwnOriginals() throws {
        let (first, second) = try #require(Self.collidingTenants)
        let redactor = TestSupport.makeRedactor()
        let output = redactor.redactText("tenant_id=\(first) tenant_id=\(second)", file: "x.log")
        let map = redactor.pseudonymMap
        #expect(map.ambiguousPseudonyms.isEmpty)
        #expect(map.unmap(text: output) == "tenant_id=\(first) tenant_id=\(second)")
    }

    @Test func reservedMapKeepsEarlierRunsConsistent() throws {
        let (first, second) = try #require(Self.collidingTenants)
        // Run 1 saw both values, so the second was re-keyed.
        let runOne = Pseudonymizer(secret: TestSupport.secret)
        let firstPseudonym = runOne.pseudonym(for: first, kind: .tenantID)
        let secondPseudonym = runOne.pseudonym(for: second, kind: .tenantID)
        var map = PseudonymMap()
        map.record(pseudonym: firstPseudonym, original: first, kind: .tenantID)
        map.record(pseudonym: secondPseudonym, original: second, kind: .tenantID)

        // Run 2 redacts only the second value, and with the map reserved it gets the same pseudonym.
        let runTwo = Pseudonymizer(secret: TestSupport.secret)
        runTwo.reserve(map)
        #expect(runTwo.pseudonym(for: second, kind: .tenantID) == secondPseudonym)
        #expect(runTwo.pseudonym(for: first, kind: .tenantID) == firstPseudonym)
    }

    @Test func unreservedRunIsFlaggedWhenSaved() throws {
        let (first, second) = try #require(Self.collidingTenants)
        let root = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("pseudonyms.json")

        let runOne = TestSupport.makeRedactor()
        _ = runOne.redactText("tenant_id=\(first)", file: "a.log")
        try runOne.pseudonymMap.save(to: url)

        // Run 2 did not load the map, so it could not know that the plain pseudonym was taken.
        let runTwo = TestSupport.makeRedactor()
        let output = runTwo.redactText("tenant_id=\(second)", file: "b.log")
        try runTwo.pseudonymMap.save(to: url)

        let saved = try PseudonymMap.load(from: url)
        let pseudonym = try #require(runTwo.pseudonymMap.entries.keys.first)
        #expect(saved.original(for: pseudonym) == nil, "no single original is claimed")
        #expect(saved.originals(for: pseudonym) == [first, second])
        #expect(saved.unmap(text: output).contains("[ambiguous \(pseudonym): \(first) | \(second)]"))
    }

    @Test func rememberedMapReservesPseudonyms() throws {
        let (first, second) = try #require(Self.collidingTenants)
        let runOne = TestSupport.makeRedactor()
        _ = runOne.redactText("tenant_id=\(first)", file: "a.log")

        let runTwo = TestSupport.makeRedactor()
        runTwo.remember(runOne.pseudonymMap)
        _ = runTwo.redactText("tenant_id=\(second)", file: "b.log")
        var merged = runOne.pseudonymMap
        merged.merge(runTwo.pseudonymMap)
        #expect(merged.ambiguousPseudonyms.isEmpty)
        #expect(merged.count == 2)
    }

    @Test func plainPseudonymsAreUnchanged() {
        // Attempt 0 must give the pseudonyms earlier versions gave, or saved maps stop matching.
        let pseudonymizer = Pseudonymizer(secret: TestSupport.secret)
        let hex = pseudonymizer.hex("tenant-id", "acme-corp", count: 4)
        #expect(pseudonymizer.pseudonym(for: "acme-corp", kind: .tenantID) == "tenant-" + hex)
        let host = pseudonymizer.pseudonym(for: "db-01.acme.com", kind: .hostname)
        #expect(host.hasPrefix("host-" + pseudonymizer.hex("hostname", "db-01.acme.com", count: 4) + "."))
    }

    @Test func otherSpellingsShareOnePseudonymWithoutConflict() {
        let pseudonymizer = Pseudonymizer(secret: TestSupport.secret)
        #expect(
            pseudonymizer.pseudonym(for: "Ops@Acme.com", kind: .email)
                == pseudonymizer.pseudonym(for: "ops@acme.com", kind: .email))
        #expect(
            pseudonymizer.pseudonym(for: "2001:db8::1", kind: .ipv6)
                == pseudonymizer.pseudonym(for: "2001:DB8:0::1", kind: .ipv6))
    }
}
