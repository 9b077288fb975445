/// `CertificateFacts` in the facts cache's binary form (`BinaryWriter`/`BinaryReader`). Every field is
/// written: what is read back equals what the parser produced (a test round-trips every sample). Change
/// the facts and `FactsCache.formatVersion` must change with them.
extension CertificateFacts {
    func encode(into writer: inout BinaryWriter) {
        writer.string(document.rawValue)
        writer.string(sha256)
        writer.int(version)
        writer.data(serial)
        writer.string(signatureAlgorithm.name)
        writer.string(signatureAlgorithm.hash.rawValue)
        writer.string(signatureAlgorithm.oid)
        issuer.encode(into: &writer)
        subject.encode(into: &writer)
        writer.signed(notBefore.seconds)
        writer.signed(notAfter.seconds)
        writer.string(publicKey.algorithm.rawValue)
        writer.string(publicKey.algorithmOID)
        writer.int(publicKey.bits)
        writer.optionalString(publicKey.curve)
        writer.bool(keyUsage != nil)
        if let keyUsage {
            writer.unsigned(UInt64(keyUsage.bits.rawValue))
            writer.bool(keyUsage.critical)
        }
        writer.bool(extendedKeyUsage != nil)
        if let extendedKeyUsage {
            writer.strings(extendedKeyUsage.purposes)
            writer.bool(extendedKeyUsage.critical)
        }
        writer.bool(subjectAltNames != nil)
        if let names = subjectAltNames {
            writer.strings(names.dnsNames)
            writer.strings(names.ipAddresses)
            writer.strings(names.emails)
            writer.strings(names.uris)
            writer.int(names.otherCount)
            writer.bool(names.critical)
            writer.data(names.der)
        }
        writer.bool(basicConstraints != nil)
        if let constraints = basicConstraints {
            writer.bool(constraints.isCA)
            writer.bool(constraints.pathLength != nil)
            if let length = constraints.pathLength { writer.int(length) }
            writer.bool(constraints.critical)
        }
        writer.bool(subjectKeyIdentifier != nil)
        if let identifier = subjectKeyIdentifier { writer.data(identifier) }
        writer.bool(authorityKeyIdentifier != nil)
        if let identifier = authorityKeyIdentifier { writer.data(identifier) }
        writer.bool(revocationList != nil)
        if let list = revocationList {
            writer.signed(list.thisUpdate.seconds)
            writer.bool(list.nextUpdate != nil)
            if let next = list.nextUpdate { writer.signed(next.seconds) }
            writer.int(list.revokedCount)
            writer.bool(list.number != nil)
            if let number = list.number { writer.data(number) }
            writer.bool(list.isDelta)
            writer.bool(list.isScoped)
            writer.bool(list.isIndirect)
        }
        writer.strings(parseWarnings)
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) {
        let document = try Self.decodeEnum(DocumentKind.self, &reader)
        let sha256 = try reader.string()
        let version = try reader.int()
        let serial = try reader.data()
        let signature = SignatureAlgorithm(
            name: try reader.string(), hash: try Self.decodeEnum(HashAlgorithm.self, &reader), oid: try reader.string())
        let issuer = try DistinguishedName(from: &reader)
        let subject = try DistinguishedName(from: &reader)
        let notBefore = UnixTime(seconds: try reader.signed())
        let notAfter = UnixTime(seconds: try reader.signed())
        let publicKey = PublicKeyInfo(
            algorithm: try Self.decodeEnum(KeyAlgorithm.self, &reader), algorithmOID: try reader.string(),
            bits: try reader.int(), curve: try reader.optionalString())
        var keyUsage: KeyUsageExtension?
        if try reader.bool() {
            let raw = try reader.unsigned()
            guard raw <= UInt64(UInt16.max) else { throw BinaryReader.Malformed(description: "bad key usage") }
            keyUsage = KeyUsageExtension(bits: KeyUsageSet(rawValue: UInt16(raw)), critical: try reader.bool())
        }
        var extendedKeyUsage: ExtendedKeyUsageExtension?
        if try reader.bool() {
            extendedKeyUsage = ExtendedKeyUsageExtension(purposes: try reader.strings(), critical: try reader.bool())
        }
        var subjectAltNames: SubjectAltNames?
        if try reader.bool() {
            var names = SubjectAltNames()
            names.dnsNames = try reader.strings()
            names.ipAddresses = try reader.strings()
            names.emails = try reader.strings()
            names.uris = try reader.strings()
            names.otherCount = try reader.int()
            names.critical = try reader.bool()
            names.der = try reader.data()
            subjectAltNames = names
        }
        var basicConstraints: BasicConstraints?
        if try reader.bool() {
            let isCA = try reader.bool()
            let pathLength = try reader.bool() ? try reader.int() : nil
            basicConstraints = BasicConstraints(isCA: isCA, pathLength: pathLength, critical: try reader.bool())
        }
        let subjectKeyIdentifier = try reader.bool() ? try reader.data() : nil
        let authorityKeyIdentifier = try reader.bool() ? try reader.data() : nil
        var revocationList: RevocationListFacts?
        if try reader.bool() {
            let thisUpdate = UnixTime(seconds: try reader.signed())
            let nextUpdate = try reader.bool() ? UnixTime(seconds: try reader.signed()) : nil
            let count = try reader.int()
            let number = try reader.bool() ? try reader.data() : nil
            revocationList = RevocationListFacts(
                thisUpdate: thisUpdate, nextUpdate: nextUpdate, revokedCount: count, number: number, isDelta: try reader.bool(),
                isScoped: try reader.bool(), isIndirect: try reader.bool())
        }
        self.init(
            document: document, sha256: sha256, version: version, serial: serial, signatureAlgorithm: signature, issuer: issuer,
            subject: subject, notBefore: notBefore, notAfter: notAfter, publicKey: publicKey, keyUsage: keyUsage,
            extendedKeyUsage: extendedKeyUsage, subjectAltNames: subjectAltNames, basicConstraints: basicConstraints,
            subjectKeyIdentifier: subjectKeyIdentifier, authorityKeyIdentifier: authorityKeyIdentifier,
            revocationList: revocationList, parseWarnings: try reader.strings())
    }

    private static func decodeEnum<Value: RawRepresentable>(
        _ type: Value.Type, _ reader: inout BinaryReader
    ) throws(BinaryReader.Malformed) -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: try reader.string()) else {
            throw BinaryReader.Malformed(description: "unknown \(Value.self)")
        }
        return value
    }
}

extension DistinguishedName {
    func encode(into writer: inout BinaryWriter) {
        writer.data(der)
        writer.string(rfc4514)
        writer.strings(commonNames)
        writer.int(attributeCount)
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) {
        self.init(der: try reader.data(), rfc4514: try reader.string(), commonNames: try reader.strings(), attributeCount: try reader.int())
    }

    init(der: [UInt8], rfc4514: String, commonNames: [String], attributeCount: Int) {
        self.der = der
        self.rfc4514 = rfc4514
        self.commonNames = commonNames
        self.attributeCount = attributeCount
    }
}

extension SubjectAltNames {
    /// An empty set of names, filled in field by field (the facts cache).
    init() {}
}
