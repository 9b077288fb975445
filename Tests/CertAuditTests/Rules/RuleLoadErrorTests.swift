import Foundation
import Testing
@testable import CertAudit

/// A bad rule file is rejected at load time with file:line and what was expected.
@Suite struct RuleLoadErrorTests {
    static let header = """
        profile: acme
        title: ACME rules
        rules:
          - id: acme.example
            title: Example
            severity: error
            citation: ACME policy 1.2
            message: KeyUsage {keyUsage}

        """

    func load(_ text: String) -> RuleLoadError? {
        let folder = Fixtures.temporaryDirectory()
        let path = folder + "/acme.yaml"
        Fixtures.write(text, to: path)
        do {
            _ = try RuleCatalog.load(paths: [path])
            return nil
        } catch {
            #expect(error.file == path)
            return error
        }
    }

    @Test func validFileLoads() {
        #expect(load(Self.header + "    check: { keyUsage: { lacks: digitalSignature } }\n") == nil)
    }

    @Test(arguments: [
        ("    check: { keyUsage: { lacks: digitalSignatur } }\n", 9, "unknown KeyUsage bit 'digitalSignatur'"),
        ("    check: { keyusage: { lacks: digitalSignature } }\n", 9, "unknown fact 'keyusage'"),
        ("    check: { key.bits: { lt: lots } }\n", 9, "is an integer fact"),
        ("    check: { key.bits: { below: 2048 } }\n", 9, "operator 'below' does not apply to 'key.bits'"),
        ("    check: { role: server }\n", 9, "'server' is not a value of 'role'"),
        ("    check: { eku: { has: serverauth } }\n", 9, "'serverauth' is not a known value of 'eku'"),
        ("    check: { validity.daysLeft: { lt: $horizon } }\n", 9, "unknown parameter '$horizon'"),
        ("    check: { keyUsage.present: maybe }\n", 9, "must be true or false"),
        ("    check: { all: [] }\n", 9, "needs at least one condition"),
        ("    check: { keyUsage.present: true, eku.present: true }\n", 9, "exactly one key"),
        ("    check: { keyUsage.present: true }\n    colour: red\n", 10, "unknown field 'colour' in a rule"),
        ("    check: { subject.cn: { matches: '(' } }\n", 9, "invalid regular expression"),
    ])
    func badConditionIsRejectedWithItsLine(_ suffix: String, _ line: Int, _ message: String) throws {
        let error = try #require(load(Self.header + suffix))
        #expect(error.line == line, "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.description.hasPrefix(error.file + ":\(line): "))
    }

    @Test func missingCheckIsAnError() throws {
        let error = try #require(load(Self.header))
        #expect(error.message.contains("lacks the required field 'check'"))
    }

    @Test func unknownPlaceholderIsAnError() throws {
        let text = Self.header.replacingOccurrences(of: "{keyUsage}", with: "{keyUsages}") + "    check: { ca: true }\n"
        let error = try #require(load(text))
        #expect(error.message.contains("'{keyUsages}' names no fact"))
    }

    @Test func badSeverityAndIdAreErrors() throws {
        let severity = try #require(load(Self.header.replacingOccurrences(of: "severity: error", with: "severity: fatal") + "    check: { ca: true }\n"))
        #expect(severity.message.contains("unknown severity 'fatal'"))
        let id = try #require(load(Self.header.replacingOccurrences(of: "id: acme.example", with: "id: other.example") + "    check: { ca: true }\n"))
        #expect(id.message.contains("must start with its profile name"))
    }

    @Test func duplicateRuleIdAcrossFilesIsAnError() throws {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write(Self.header + "    check: { ca: true }\n", to: folder + "/a.yaml")
        Fixtures.write(Self.header + "    check: { ca: false }\n", to: folder + "/b.yaml")
        #expect(throws: RuleLoadError.self) { try RuleCatalog.load(paths: [folder]) }
    }

    @Test func invalidYAMLIsAnError() throws {
        let error = try #require(load("profile: [unclosed\n"))
        #expect(error.message.contains("not valid YAML"))
    }

    @Test func unknownProfileSelectionIsAUsageError() {
        #expect(throws: RuleCatalog.SelectionError.self) {
            try Fixtures.catalog.selecting(profiles: ["chrome"], disabling: [])
        }
        #expect(throws: RuleCatalog.SelectionError.self) {
            try Fixtures.catalog.selecting(profiles: [], disabling: ["browser.no-such-rule"])
        }
        let rules = try? Fixtures.catalog.selecting(profiles: ["browser"], disabling: ["browser.expired"])
        #expect(rules?.contains { $0.id == "browser.expired" } == false)
        #expect(rules?.allSatisfy { $0.profile == "browser" || $0.raisedByPolicy } == true)
    }
}
