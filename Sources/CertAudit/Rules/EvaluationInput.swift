/// What one rule evaluation sees: a certificate's facts, where it came from, the clock and parameters.
public struct EvaluationInput: Sendable {
    public var facts: CertificateFacts
    public var container: ContainerKind
    public var friendlyName: String?
    public var context: EvaluationContext
    /// Product installer defaults this certificate matches (filled by `ProductCatalog`).
    public var products: [ProductMatch] = []

    public init(facts: CertificateFacts, container: ContainerKind, friendlyName: String?, context: EvaluationContext) {
        self.facts = facts
        self.container = container
        self.friendlyName = friendlyName
        self.context = context
    }
}

/// The time rules judge against and the named parameters rules may reference as `$name`.
public struct EvaluationContext: Sendable {
    public var now: UnixTime
    public var parameters: [String: Int]

    /// Parameters every rule file may use, with their defaults.
    public static let defaultParameters: [String: Int] = ["expiryDays": 30]

    public init(now: UnixTime, parameters: [String: Int] = EvaluationContext.defaultParameters) {
        self.now = now
        self.parameters = parameters
    }
}
