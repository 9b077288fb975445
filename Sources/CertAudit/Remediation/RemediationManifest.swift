/// `remediation.json`: one entry per replacement, with what changed, for audits and rollbacks.
enum RemediationManifest {
    static let schemaVersion = 1

    static func encode(_ result: RemediationResult) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("schemaVersion", schemaVersion)
        json.field("tool", "certaudit \(CertAuditVersion.current)")
        json.key("replacements")
        json.beginArray()
        for entry in result.replacements {
            json.beginObject()
            json.field("source", entry.source)
            json.field("index", entry.index)
            json.field("certificate", entry.certificate)
            json.field("privateKey", entry.privateKey)
            json.field("pkcs12", entry.pkcs12)
            json.field("csr", entry.csr)
            json.key("backups")
            json.strings(entry.backups)
            json.field("oldSha256", entry.oldSha256)
            json.field("newSha256", entry.newSha256)
            json.field("profile", entry.profile)
            json.field("pkcs12Encryption", entry.pkcs12Encryption?.rawValue)
            json.key("changes")
            json.strings(entry.changes)
            json.key("keeps")
            json.strings(entry.keeps)
            json.endObject()
        }
        json.endArray()
        json.key("rolledBack")
        json.strings(result.rolledBack)
        json.key("failed")
        json.beginArray()
        for entry in result.failed {
            json.beginObject()
            json.field("source", entry.source)
            json.key("index")
            if let index = entry.index { json.int(index) } else { json.null() }
            json.field("reason", entry.reason)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.take() + [0x0a]
    }
}
