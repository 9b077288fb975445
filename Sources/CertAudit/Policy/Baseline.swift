import Foundation

/// Accepted findings, keyed by (rule id, certificate SHA-256), and accepted input problems, keyed by
/// (problem code, path): `certaudit baseline create` writes one, `scan --baseline` stops them from failing
/// the run and reports the finding entries that no longer occur.
public struct Baseline: Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public var ruleId: String
        public var sha256: String

        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.ruleId, lhs.sha256) < (rhs.ruleId, rhs.sha256)
        }
    }

    public struct Entry: Sendable {
        public var key: Key
        /// Where the certificate was when the baseline was made (for people; not part of the key).
        public var path: String
        public var subject: String
    }

    /// An input problem accepted as it is (a PKCS#12 file whose password nobody has): its code and path.
    public struct ProblemKey: Hashable, Sendable, Comparable {
        public var code: String
        public var path: String

        public static func < (lhs: ProblemKey, rhs: ProblemKey) -> Bool {
            (lhs.code, lhs.path) < (rhs.code, rhs.path)
        }
    }

    public static let schemaVersion = 1
    public var entries: [Key: Entry] = [:]
    public var problems = Set<ProblemKey>()

    public init() {}

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public mutating func add(_ report: InputResult) {
        for certificate in report.certificates {
            for finding in certificate.findings {
                let key = Key(ruleId: finding.ruleId, sha256: certificate.facts.sha256)
                entries[key] = Entry(key: key, path: report.path, subject: certificate.facts.subject.rfc4514)
            }
        }
        for problem in report.problems {
            problems.insert(ProblemKey(code: problem.code.rawValue, path: report.path))
        }
    }

    public func contains(problem: InputProblem) -> Bool {
        problems.contains(ProblemKey(code: problem.code.rawValue, path: problem.path))
    }

    public func contains(ruleId: String, sha256: String) -> Bool {
        entries[Key(ruleId: ruleId, sha256: sha256)] != nil
    }

    public func encoded(created: UnixTime) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("schemaVersion", Baseline.schemaVersion)
        json.field("created", created.iso8601)
        json.key("entries")
        json.beginArray()
        for key in entries.keys.sorted() {
            let entry = entries[key]!
            json.beginObject()
            json.field("ruleId", key.ruleId)
            json.field("sha256", key.sha256)
            json.field("path", entry.path)
            json.field("subject", entry.subject)
            json.endObject()
        }
        json.endArray()
        json.key("problems")
        json.beginArray()
        for key in problems.sorted() {
            json.beginObject()
            json.field("code", key.code)
            json.field("path", key.path)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.take() + [0x0a]
    }

    /// Reads a baseline file; anything but a certaudit baseline is an error naming what is wrong.
    public init(contentsOf path: String) throws(Failure) {
        guard case .bytes(let bytes) = FileReader.load(path: path, limit: Limits.baselineFile) else {
            throw Failure(description: "cannot read baseline \(path)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            object["schemaVersion"] as? Int == Baseline.schemaVersion, let list = object["entries"] as? [[String: Any]]
        else {
            throw Failure(description: "\(path) is not a certaudit baseline (schemaVersion 1 with 'entries')")
        }
        for item in list {
            guard let ruleId = item["ruleId"] as? String, let sha256 = item["sha256"] as? String else {
                throw Failure(description: "\(path): every baseline entry needs 'ruleId' and 'sha256'")
            }
            let key = Key(ruleId: ruleId, sha256: sha256)
            entries[key] = Entry(key: key, path: item["path"] as? String ?? "", subject: item["subject"] as? String ?? "")
        }
        for item in object["problems"] as? [[String: Any]] ?? [] {
            guard let code = item["code"] as? String, let problemPath = item["path"] as? String else {
                throw Failure(description: "\(path): every baseline problem needs 'code' and 'path'")
            }
            guard InputProblem.Code(rawValue: code) != nil else {
                throw Failure(description: "\(path): unknown problem code '\(code)'")
            }
            problems.insert(ProblemKey(code: code, path: problemPath))
        }
    }
}
