import CertAudit
import Foundation
import Testing

/// The version has one source (`CertAuditVersion.current`); `certaudit --version` prints it, and the
/// newest release heading of CHANGELOG.md must name it (scripts/package builds the Debian package's
/// version and changelog from the two, and stops when they disagree).
@Suite struct VersionTests {
    @Test func versionFlagPrintsTheOneVersion() {
        let result = Fixtures.run(Fixtures.executable, ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == CertAuditVersion.current + "\n")
    }

    @Test func changelogNamesTheVersionAsItsNewestRelease() throws {
        let changelog = try String(contentsOfFile: Fixtures.repositoryRoot + "/CHANGELOG.md", encoding: .utf8)
        let newest = changelog.split(separator: "\n").first { $0.hasPrefix("## [") && !$0.hasPrefix("## [Unreleased]") }
        let heading = try #require(newest, "CHANGELOG.md has no release heading")
        #expect(heading.hasPrefix("## [\(CertAuditVersion.current)] - "), "newest release: \(heading)")
        // Debian's version rules: digits first, then letters, digits and + . ~ only.
        #expect(CertAuditVersion.current.first?.isNumber == true)
        #expect(CertAuditVersion.current.allSatisfy { $0.isLetter || $0.isNumber || "+.~".contains($0) })
    }

    /// The Debian changelog made from CHANGELOG.md: one entry per release, newest first, in the
    /// format dpkg-parsechangelog reads.
    @Test func debianChangelogIsMadeFromTheChangelog() throws {
        let converter = Fixtures.run(
            "/usr/bin/python3",
            [Fixtures.repositoryRoot + "/scripts/debian-changelog", Fixtures.repositoryRoot + "/CHANGELOG.md", "A B <a@example.org>"])
        #expect(converter.status == 0, "\(converter.stderr)")
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: folder + "/debian", withIntermediateDirectories: true)
        try converter.stdout.write(toFile: folder + "/debian/changelog", atomically: true, encoding: .utf8)
        let parsed = Fixtures.run("/usr/bin/dpkg-parsechangelog", ["-l", folder + "/debian/changelog", "-S", "Version"])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        #expect(parsed.stdout == CertAuditVersion.current + "\n")
        #expect(!converter.stdout.contains("Unreleased"))
        #expect(converter.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }
}
