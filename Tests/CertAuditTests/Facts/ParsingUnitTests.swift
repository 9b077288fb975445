import Testing
@testable import CertAudit

@Suite struct ParsingUnitTests {
    @Test func asn1Times() {
        #expect(UnixTime.parseASN1(Array("260112000000Z".utf8), generalized: false)?.iso8601 == "2026-01-12T00:00:00Z")
        #expect(UnixTime.parseASN1(Array("491231235959Z".utf8), generalized: false)?.iso8601 == "2049-12-31T23:59:59Z")
        #expect(UnixTime.parseASN1(Array("500101000000Z".utf8), generalized: false)?.iso8601 == "1950-01-01T00:00:00Z")
        #expect(UnixTime.parseASN1(Array("20500101000000Z".utf8), generalized: true)?.iso8601 == "2050-01-01T00:00:00Z")
        #expect(UnixTime.parseASN1(Array("9912312359Z".utf8), generalized: false)?.iso8601 == "1999-12-31T23:59:00Z")
        #expect(UnixTime.parseASN1(Array("260112010000+0100".utf8), generalized: false)?.iso8601 == "2026-01-12T00:00:00Z")
        #expect(UnixTime.parseASN1(Array("261312000000Z".utf8), generalized: false) == nil)
        #expect(UnixTime(iso8601: "2026-12-01")?.iso8601 == "2026-12-01T00:00:00Z")
        #expect(UnixTime(iso8601: "2026-12-01T10:00:00+02:00")?.iso8601 == "2026-12-01T08:00:00Z")
        #expect(UnixTime(iso8601: "1969-12-31T23:59:59Z")?.seconds == -1)
    }

    @Test func base64SkipsWhitespaceAndRejectsJunk() throws {
        #expect(try Base64.decode(Array("TWFu\r\nTW E=".utf8)[...]) == Array("ManMa".utf8))
        #expect(throws: Base64.Failure.self) { try Base64.decode(Array("TW!u".utf8)[...]) }
        #expect(throws: Base64.Failure.self) { try Base64.decode(Array("TWFuT".utf8)[...]) }
    }

    @Test func pemScannerFindsBlocksAmongText() {
        let text = Array("intro\n-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\nmid\n-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nCC".utf8)
        let blocks = PEMScanner.blocks(in: text)
        #expect(blocks.map(\.label) == ["CERTIFICATE", "PRIVATE KEY", "CERTIFICATE"])
        #expect(blocks.map(\.complete) == [true, true, false])
        #expect(blocks.map(\.line) == [2, 6, 9])
    }

    @Test func distinguishedNameEscaping() {
        #expect(DistinguishedName.escape("a,b+c") == "a\\,b\\+c")
        #expect(DistinguishedName.escape(" lead#") == "\\ lead#")
        #expect(DistinguishedName.escape("#x ") == "\\#x\\ ")
    }

    @Test func oidRendering() {
        let key = ObjectIdentifierKey("1.2.840.113549.1.1.11")
        #expect(key == ObjectIdentifierKey(contentBytes: [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]))
        #expect(ObjectIdentifierKey.dotted(contentBytes: [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]) == "1.2.840.113549.1.1.11")
        #expect(ObjectIdentifierKey.dotted(contentBytes: [0x55, 0x1d, 0x25, 0x00]) == "2.5.29.37.0")
    }

    @Test func keyUsageBitStringDecoding() {
        // keyEncipherment + dataEncipherment: 0x30 with 4 unused bits.
        #expect(KeyUsageSet.decode(bitStringContent: [0x04, 0x30])?.names == ["keyEncipherment", "dataEncipherment"])
        // decipherOnly lives in the second byte.
        #expect(KeyUsageSet.decode(bitStringContent: [0x07, 0x80, 0x80])?.names == ["digitalSignature", "decipherOnly"])
        #expect(KeyUsageSet.decode(bitStringContent: [0x00])?.isEmpty == true)
        #expect(KeyUsageSet.decode(bitStringContent: [0x09, 0x00]) == nil)
    }
}

@Suite struct PEMMarkerPlacementTests {
    @Test func markersQuotedInsideTextAreNotBlocks() {
        let code = Array("x = \"-----BEGIN CERTIFICATE-----\\n\" + body\n".utf8)
        #expect(!PEMScanner.containsPEM(code))
        let indented = Array("  -----BEGIN CERTIFICATE-----  \nAAAA\n-----END CERTIFICATE-----\n".utf8)
        #expect(PEMScanner.blocks(in: indented).map(\.complete) == [true])
    }
}
