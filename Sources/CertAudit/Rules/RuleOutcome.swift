/// A rule's result on one certificate, as zlint's lint results: not applicable (the certificate is not
/// what the rule is about, or was issued outside the rule's effective dates), passed, or failed (a finding
/// at the rule's severity). Reports count applications and failures per rule: "applied to 812
/// certificates, failed on 12".
public enum RuleOutcome: Sendable, Hashable {
    case notApplicable
    case passed
    case failed
}
