public enum CertAuditVersion {
    public static let current = "0.1.0"
}
